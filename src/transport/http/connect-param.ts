import type { FastifyRequest } from "fastify";
import { bodyBytes } from "./raw-body.js";

/**
 * The connect request of an SSE connection: the `cf_connect` query parameter
 * (EventSource can only GET) or, for POST, the body. Undefined when a GET
 * carries no such parameter.
 */
export function connectParam(request: FastifyRequest): Buffer | undefined {
  if (request.method === "POST") return bodyBytes(request);
  const value = (request.query as Record<string, unknown>).cf_connect;
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === "string" ? Buffer.from(first, "utf8") : undefined;
}
