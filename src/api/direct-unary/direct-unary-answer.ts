import type { IncomingHttpHeaders, ServerHttp2Stream } from "node:http2";
import type { DescMethod } from "@bufbuild/protobuf";
import { CentrifugoApi } from "../../../gen/centrifugal/centrifugo/api/api_pb.js";
import type { RequestHeader } from "../api-key.js";
import { type ApiPipeline, type ApiPipelineOptions, createApiPipeline } from "../api-pipeline.js";
import type { ApiService } from "../api-service.js";
import { type ApiUnary, apiUnaryMethods, type ErrorMode } from "../connect-api.js";
import { connectWire } from "./connect-wire.js";
import { grpcWebWire, grpcWire } from "./grpc-wires.js";
import type { UnaryWire } from "./unary-wire.js";

/** Answers an HTTP/2 stream itself and says true, or says false and leaves it to the HTTP server. */
export type StreamAnswer = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => boolean;

/** The same settings as the Connect router's API routes on that listener. */
export interface DirectUnaryOptions extends ApiPipelineOptions {
  readonly service: ApiService;
  readonly errorMode: ErrorMode;
  readonly readMaxBytes: number;
  /** Counts each answer by path and status, for `prometheus.instrument_http_handlers` (Fastify does not see them). */
  readonly http?: { httpRequest(path: string, method: string, status: number): void } | undefined;
}

interface Target {
  readonly method: DescMethod;
  readonly unary: ApiUnary;
}

/** The wires answered here, by Content-Type, with the header that names a compression they leave to the router. */
function wires(readMaxBytes: number): Map<string, { wire: UnaryWire; encoding: string }> {
  const grpc = { wire: grpcWire(readMaxBytes), encoding: "grpc-encoding" };
  const web = { wire: grpcWebWire(readMaxBytes), encoding: "grpc-encoding" };
  return new Map([
    ["application/grpc", grpc],
    ["application/grpc+proto", grpc],
    ["application/grpc-web", web],
    ["application/grpc-web+proto", web],
    ["application/proto", { wire: connectWire(true, readMaxBytes), encoding: "content-encoding" }],
    ["application/json", { wire: connectWire(false, readMaxBytes), encoding: "content-encoding" }],
  ]);
}

/**
 * Unary calls to `CentrifugoApi` in native gRPC, gRPC-Web and Connect (binary
 * and JSON, POST), answered on the HTTP/2 stream with the one service
 * implementation and the Connect router's own pipeline (API key, span, error
 * mode, metrics), without its streaming machinery, abort signals and the
 * HTTP/2 compatibility layer under Fastify (which cost several times the call
 * itself). Compressed requests, gRPC+JSON, gRPC-Web text, Connect GET, the v2
 * service and reflection stay with the router. The order of checks is the
 * router's: a bad timeout header, then the body, then the key.
 */
export function createDirectUnaryAnswer(o: DirectUnaryOptions): StreamAnswer {
  const targets = new Map<string, Target>();
  for (const [method, unary] of apiUnaryMethods(o.service, o.errorMode)) {
    targets.set(`/${CentrifugoApi.typeName}/${method.name}`, { method, unary });
  }
  const byType = wires(o.readMaxBytes);
  const pipeline = createApiPipeline(o);
  return (stream, headers) => {
    const path = headers[":path"];
    const target = path === undefined ? undefined : targets.get(path);
    if (!target || headers[":method"] !== "POST") return false;
    const type = headers["content-type"];
    const found = type === undefined ? undefined : byType.get(type);
    if (!found) return false;
    const encoding = headers[found.encoding];
    if (encoding !== undefined && encoding !== "identity") return false;
    void answer(stream, headers, target, found.wire, pipeline, o.http);
    return true;
  };
}

const asMessage = <R>(response: R) => response;

/** Answers one call, with the response or the error connect-es would give, and counts its HTTP status. */
async function answer(
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  target: Target,
  wire: UnaryWire,
  pipeline: ApiPipeline,
  http: DirectUnaryOptions["http"],
): Promise<void> {
  let status: number;
  try {
    const header: RequestHeader = (name) => {
      const value = headers[name];
      return Array.isArray(value) ? value.join(", ") : value;
    };
    const timeoutError = wire.timeoutError(header);
    if (timeoutError) throw timeoutError;
    const request = await wire.read(stream, header, target.method);
    const call = { method: target.method, protocol: wire.protocol, header, request };
    const response = await pipeline(call, () => target.unary(request as never, header), asMessage);
    status = wire.answer(stream, target.method, response);
  } catch (err) {
    status = wire.fail(stream, err);
  }
  http?.httpRequest(headers[":path"]!, "POST", status);
}
