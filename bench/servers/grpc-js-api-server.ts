import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { portArg } from "./server-args.js";

/**
 * The gRPC baseline: what a Node user would run for gRPC alone. A plain
 * @grpc/grpc-js server, with the API's proto loaded by @grpc/proto-loader,
 * whose Publish decodes the request and answers an empty PublishResponse.
 * Against it, rotor's ratio is the cost of its HTTP/2 stack and of publishing.
 */
const protoFile = fileURLToPath(new URL("../../proto/centrifugal/centrifugo/api/api.proto", import.meta.url));
const definition = protoLoader.loadSync(protoFile, { keepCase: true, longs: String, defaults: false });
const api = grpc.loadPackageDefinition(definition) as unknown as {
  centrifugal: { centrifugo: { api: { CentrifugoApi: { service: grpc.ServiceDefinition } } } };
};

const server = new grpc.Server();
server.addService(api.centrifugal.centrifugo.api.CentrifugoApi.service, {
  Publish: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) =>
    callback(null, {}),
});
server.bindAsync(`127.0.0.1:${portArg()}`, grpc.ServerCredentials.createInsecure(), (err) => {
  if (err) throw err;
});
