import type { DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Logger } from "pino";
import { type ApiMetrics, type ApiProtocol, apiMethodLabel, apiProtocolOf } from "../metrics/api-metrics.js";
import { type ApiTracer, requestAttributes } from "../tracing/api-tracer.js";
import {
  type ApiKeyPolicy,
  type ExtraAccess,
  hasValidKey,
  type RequestHeader,
  unauthenticatedMessage,
} from "./api-key.js";
import { bodyError, errorOf, seconds } from "./counted-api.js";

/** What every binary surface admits and records for the server API services. */
export interface ApiPipelineOptions {
  readonly policy: ApiKeyPolicy;
  /** A credential admitted besides the API key: the admin UI's token where the admin UI is served. */
  readonly alsoAdmits?: ExtraAccess | undefined;
  /** Counts every call by protocol and method. */
  readonly metrics?: ApiMetrics | undefined;
  /** Traces every call (`opentelemetry.api`). */
  readonly tracer?: ApiTracer | undefined;
  /** Where refused calls are logged (debug). */
  readonly log?: Logger | undefined;
}

/** One call of a server API method, once its request message is read. */
export interface ApiCall {
  readonly method: DescMethod;
  readonly protocol: ApiProtocol;
  readonly header: RequestHeader;
  /** The request message; undefined for a streaming call, whose messages are not read yet. */
  readonly request: unknown;
}

/**
 * Runs a call's method (`next`) through the steps every server API call
 * takes, in one order: the API key (a refused call is logged and neither
 * traced nor counted, as in Centrifugo), the span, then the call itself —
 * which applies the error mode — and its duration and error (from the body,
 * or the status in transport mode) in the API metrics and the span.
 */
export type ApiPipeline = <R>(
  call: ApiCall,
  next: () => Promise<R>,
  message: (result: R) => unknown,
) => Promise<R>;

const labels = new WeakMap<DescMethod, string>();

function labelOf(method: DescMethod): string {
  let label = labels.get(method);
  if (label === undefined) {
    label = apiMethodLabel(method.name);
    labels.set(method, label);
  }
  return label;
}

/** `package.Service/Method`, as logs and spans name a call. */
const nameOf = (method: DescMethod) => `${method.parent.typeName}/${method.name}`;

/**
 * The one ordered pipeline of the server API's binary surfaces: the Connect
 * router runs it as its interceptor, and the direct unary path beside the
 * router runs it around the same methods, so both admit, refuse and record
 * a call alike.
 */
export function createApiPipeline(o: ApiPipelineOptions): ApiPipeline {
  return async function run<R>(call: ApiCall, next: () => Promise<R>, message: (result: R) => unknown) {
    const label = labelOf(call.method);
    if (!hasValidKey(o.policy, call.header) && !o.alsoAdmits?.(call.header)) {
      o.log?.debug({ method: nameOf(call.method) }, "api call refused: no valid API key");
      throw new ConnectError(unauthenticatedMessage, Code.Unauthenticated);
    }
    const span = o.tracer?.start(nameOf(call.method), call.header, {
      "rpc.system": "grpc",
      "rpc.service": call.method.parent.typeName,
      "rpc.method": call.method.name,
      ...(call.request === undefined ? {} : requestAttributes(call.method.name, call.request)),
    });
    const started = performance.now();
    let result: R;
    try {
      result = await next();
    } catch (err) {
      const error = errorOf(err);
      o.metrics?.call(call.protocol, label, seconds(started), error);
      span?.end(error);
      throw err;
    }
    const error = bodyError(message(result));
    o.metrics?.call(call.protocol, label, seconds(started), error);
    span?.end(error);
    return result;
  };
}

/** The pipeline as a Connect interceptor: how the router runs it around every call of the API services. */
export function apiPipelineInterceptor(pipeline: ApiPipeline): Interceptor {
  return (next) => (req) =>
    pipeline(
      {
        method: req.method,
        protocol: apiProtocolOf(req.header.get("content-type")),
        header: (name) => req.header.get(name),
        request: req.stream ? undefined : req.message,
      },
      () => next(req),
      (res) => (res.stream ? {} : res.message),
    );
}
