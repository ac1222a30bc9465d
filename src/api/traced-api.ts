import type { Interceptor } from "@connectrpc/connect";
import { type ApiTracer, requestAttributes } from "../tracing/api-tracer.js";
import { bodyError, errorOf } from "./counted-api.js";

/**
 * Traces every call of the Connect router's API services (gRPC, gRPC-Web,
 * Connect): one server span named `<service>/<Method>`, as gRPC
 * instrumentation names them, child of the caller's `traceparent`, with the
 * RPC attributes and the request's channel; an error in the body or as a
 * status marks it failed. Placed after the API key check, like the metrics.
 */
export function apiTracingInterceptor(tracer: ApiTracer): Interceptor {
  return (next) => async (req) => {
    const span = tracer.start(`${req.service.typeName}/${req.method.name}`, (name) => req.header.get(name), {
      "rpc.system": "grpc",
      "rpc.service": req.service.typeName,
      "rpc.method": req.method.name,
      ...(req.stream ? {} : requestAttributes(req.method.name, req.message)),
    });
    try {
      const res = await next(req);
      span.end(res.stream ? undefined : bodyError(res.message));
      return res;
    } catch (err) {
      span.end(errorOf(err));
      throw err;
    }
  };
}
