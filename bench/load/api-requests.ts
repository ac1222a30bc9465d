import { mkdtempSync, writeFileSync } from "node:fs";
import http2 from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, fromBinary, toBinary, toJsonString } from "@bufbuild/protobuf";
import { PublishRequestSchema, PublishResponseSchema } from "../../gen/centrifugal/centrifugo/api/api_pb.js";
import { timestampedPayload } from "../lib/payload.js";

/** One way of calling Publish, as h2load sends it. */
export interface ApiProtocol {
  readonly name: string;
  /** HTTP/1.1 (keep-alive) instead of h2c. */
  readonly h1: boolean;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  /** Whether a response body (with its status) is a successful Publish. */
  accepts(status: number, body: Buffer, trailers: Record<string, string>): boolean;
}

const publishPath = "/centrifugal.centrifugo.api.CentrifugoApi/Publish";
const channel = "bench";

function grpcFrame(message: Uint8Array): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

function publishOk(message: Uint8Array): boolean {
  const response = fromBinary(PublishResponseSchema, message);
  return response.error === undefined;
}

/** The five protocols of the API scenario, each with a 100-byte payload. */
export function apiProtocols(): ApiProtocol[] {
  const data = Buffer.from(timestampedPayload());
  const request = create(PublishRequestSchema, { channel, data });
  const binary = toBinary(PublishRequestSchema, request);
  return [
    {
      name: "gRPC",
      h1: false,
      path: publishPath,
      headers: { "content-type": "application/grpc", te: "trailers" },
      body: grpcFrame(binary),
      accepts: (status, body, trailers) =>
        status === 200 && trailers["grpc-status"] === "0" && publishOk(body.subarray(5)),
    },
    {
      name: "gRPC-Web",
      h1: false,
      path: publishPath,
      headers: { "content-type": "application/grpc-web+proto" },
      body: grpcFrame(binary),
      accepts: (status, body) =>
        status === 200 &&
        publishOk(body.subarray(5, 5 + body.readUInt32BE(1))) &&
        /grpc-status: ?0\r?\n/.test(body.subarray(5 + body.readUInt32BE(1)).toString()),
    },
    {
      name: "Connect JSON",
      h1: false,
      path: publishPath,
      headers: { "content-type": "application/json" },
      body: Buffer.from(toJsonString(PublishRequestSchema, request)),
      accepts: (status, body) => status === 200 && !body.toString().includes('"error"'),
    },
    {
      name: "Connect binary",
      h1: false,
      path: publishPath,
      headers: { "content-type": "application/proto" },
      body: Buffer.from(binary),
      accepts: (status, body) => status === 200 && publishOk(body),
    },
    {
      name: "HTTP /api/publish",
      h1: true,
      path: "/api/publish",
      headers: { "content-type": "application/json" },
      body: Buffer.from(`{"channel":"${channel}","data":${data}}`),
      accepts: (status, body) => status === 200 && !body.toString().includes('"error"'),
    },
  ];
}

/** Writes the body to a temporary file for `h2load -d`. */
export function bodyFile(protocol: ApiProtocol): string {
  const dir = mkdtempSync(join(tmpdir(), "rotor-bench-"));
  const file = join(dir, "body.bin");
  writeFileSync(file, protocol.body);
  return file;
}

/** Sends the request once (h1 with fetch, h2c with node:http2) and checks the answer. */
export async function checkOnce(baseUrl: string, p: ApiProtocol): Promise<string | undefined> {
  if (p.h1) {
    const res = await fetch(`${baseUrl}${p.path}`, {
      method: "POST",
      headers: p.headers,
      body: new Uint8Array(p.body),
    });
    const body = Buffer.from(await res.arrayBuffer());
    return p.accepts(res.status, body, {}) ? undefined : `${res.status} ${body.toString()}`;
  }
  const session = http2.connect(baseUrl);
  try {
    return await new Promise<string | undefined>((resolve, reject) => {
      const stream = session.request({ ":method": "POST", ":path": p.path, ...p.headers });
      let status = 0;
      let trailers: Record<string, string> = {};
      const chunks: Buffer[] = [];
      stream.on("response", (headers) => {
        status = Number(headers[":status"]);
        if (headers["grpc-status"] !== undefined)
          trailers = { "grpc-status": String(headers["grpc-status"]) };
      });
      stream.on("trailers", (t) => {
        trailers = { "grpc-status": String(t["grpc-status"]) };
      });
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const body = Buffer.concat(chunks);
        resolve(
          p.accepts(status, body, trailers)
            ? undefined
            : `${status} ${JSON.stringify(trailers)} ${body.toString()}`,
        );
      });
      stream.on("error", reject);
      stream.end(p.body);
    });
  } finally {
    session.close();
  }
}
