import type { IncomingHttpHeaders, ServerHttp2Stream } from "node:http2";
import { create, type DescMethod, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { parseTimeout } from "@connectrpc/connect/protocol-grpc";
import type { Logger } from "pino";
import { CentrifugoApi } from "../../../gen/centrifugal/centrifugo/api/api_pb.js";
import { type ApiMetrics, apiMethodLabel } from "../../metrics/api-metrics.js";
import { type ApiTracer, requestAttributes } from "../../tracing/api-tracer.js";
import {
  type ApiKeyPolicy,
  type ExtraAccess,
  hasValidKey,
  type RequestHeader,
  unauthenticatedMessage,
} from "../api-key.js";
import type { ApiService } from "../api-service.js";
import { type ApiUnary, apiUnaryMethods, type ErrorMode } from "../connect-api.js";
import { bodyError, errorOf, seconds } from "../counted-api.js";
import { sendError, sendMessage } from "./grpc-response.js";
import { readRequestMessage } from "./request-message.js";

/** Answers an HTTP/2 stream itself and says true, or says false and leaves it to the HTTP server. */
export type StreamAnswer = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => boolean;

/** The same settings as the Connect router's API routes on that listener. */
export interface GrpcUnaryOptions {
  readonly service: ApiService;
  readonly policy: ApiKeyPolicy;
  readonly alsoAdmits?: ExtraAccess | undefined;
  readonly errorMode: ErrorMode;
  readonly readMaxBytes: number;
  readonly metrics?: ApiMetrics | undefined;
  readonly tracer?: ApiTracer | undefined;
  readonly log?: Logger | undefined;
  /** Told of each call answered, for `prometheus.instrument_http_handlers` (Fastify no longer sees them). */
  readonly answered?: ((path: string) => void) | undefined;
}

interface Target {
  readonly method: DescMethod;
  readonly unary: ApiUnary;
  readonly label: string;
}

/**
 * Native gRPC unary calls to `CentrifugoApi`, answered on the HTTP/2 stream
 * with the one service implementation, the API key, error modes and metrics
 * of the Connect router, without its streaming pipeline, abort signals and
 * the HTTP/2 compatibility layer under Fastify (which cost several times the
 * call itself). Only plain calls are taken: binary, POST, no `grpc-encoding`;
 * gRPC-Web, Connect, gRPC+JSON, compressed requests, the v2 service and
 * reflection stay with the router. The order of checks is the router's: a
 * bad `grpc-timeout`, then the body, then the key.
 */
export function createGrpcUnaryAnswer(o: GrpcUnaryOptions): StreamAnswer {
  const targets = new Map<string, Target>();
  for (const [method, unary] of apiUnaryMethods(o.service, o.errorMode)) {
    targets.set(`/${CentrifugoApi.typeName}/${method.name}`, {
      method,
      unary,
      label: apiMethodLabel(method.name),
    });
  }
  return (stream, headers) => {
    const path = headers[":path"];
    const target = path === undefined ? undefined : targets.get(path);
    if (!target || headers[":method"] !== "POST") return false;
    const type = headers["content-type"];
    if (type !== "application/grpc" && type !== "application/grpc+proto") return false;
    const encoding = headers["grpc-encoding"];
    if (encoding !== undefined && encoding !== "identity") return false;
    o.answered?.(path!);
    answer(stream, headers, target, o).catch((err: unknown) => sendError(stream, err));
    return true;
  };
}

async function answer(
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  target: Target,
  o: GrpcUnaryOptions,
): Promise<void> {
  const header: RequestHeader = (name) => {
    const value = headers[name];
    return Array.isArray(value) ? value.join(", ") : value;
  };
  const timeout = header("grpc-timeout");
  if (timeout !== undefined) {
    const parsed = parseTimeout(timeout, Number.MAX_SAFE_INTEGER);
    if (parsed.error) throw parsed.error;
  }
  const request = await readRequestMessage(stream, target.method.input, o.readMaxBytes);
  if (!hasValidKey(o.policy, header) && !o.alsoAdmits?.(header)) {
    o.log?.debug(
      { method: `${CentrifugoApi.typeName}/${target.method.name}` },
      "api call refused: no valid API key",
    );
    throw new ConnectError(unauthenticatedMessage, Code.Unauthenticated);
  }
  const started = performance.now();
  const span = o.tracer?.start(`${CentrifugoApi.typeName}/${target.method.name}`, header, {
    "rpc.system": "grpc",
    "rpc.service": CentrifugoApi.typeName,
    "rpc.method": target.method.name,
    ...requestAttributes(target.method.name, request),
  });
  let response: Awaited<ReturnType<ApiUnary>>;
  try {
    response = await target.unary(request as never, header);
  } catch (err) {
    const error = errorOf(err);
    o.metrics?.call("grpc", target.label, seconds(started), error);
    span?.end(error);
    throw err;
  }
  const error = bodyError(response);
  o.metrics?.call("grpc", target.label, seconds(started), error);
  span?.end(error);
  sendMessage(stream, toBinary(target.method.output, create(target.method.output, response)));
}
