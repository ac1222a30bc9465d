import { createServer } from "node:http";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import {
  ConnectRequestSchema,
  ConnectResponseSchema,
} from "../../gen/centrifugal/centrifugo/proxy/proxy_pb.js";
import { portArg, readBody } from "./server-args.js";

/**
 * The application backend of the proxy scenario: it lets every connection in
 * at once, as `{"result": {"user": …}}`, over HTTP JSON on `--port` (POST any
 * path; GET /health) and over gRPC on `--grpc-port`. Answering costs it next to
 * nothing, so the scenario measures what the proxy call costs rotor.
 */
const grpcPortAt = process.argv.indexOf("--grpc-port");
const grpcPort = Number(process.argv[grpcPortAt + 1]);
let served = 0;

const http = createServer(async (req, res) => {
  if (req.method !== "POST") {
    res.end("{}");
    return;
  }
  await readBody(req);
  res.writeHead(200, { "content-type": "application/json" });
  res.end(`{"result":{"user":"user-${served++}"}}`);
});
http.listen(portArg(), "127.0.0.1");

const server = new grpc.Server();
server.addService(
  {
    connect: {
      path: "/centrifugal.centrifugo.proxy.CentrifugoProxy/Connect",
      requestStream: false,
      responseStream: false,
      requestSerialize: (m: unknown) => Buffer.from(toBinary(ConnectRequestSchema, m as never)),
      requestDeserialize: (b: Buffer) => fromBinary(ConnectRequestSchema, b),
      responseSerialize: (m: unknown) => Buffer.from(toBinary(ConnectResponseSchema, m as never)),
      responseDeserialize: (b: Buffer) => fromBinary(ConnectResponseSchema, b),
    },
  },
  {
    connect: (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
      callback(null, create(ConnectResponseSchema, { result: { user: `user-${served++}` } })),
  },
);
server.bindAsync(`127.0.0.1:${grpcPort}`, grpc.ServerCredentials.createInsecure(), (err) => {
  if (err) throw err;
});
