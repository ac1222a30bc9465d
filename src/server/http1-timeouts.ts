import type http from "node:http";
import type https from "node:https";
import type { Config } from "../config/schema.js";

/** How often Node checks HTTP/1.1 requests against their timeouts (its default, 30 s, would let them run long past). */
const checkIntervalMs = 1000;

/**
 * The `http_server` timeouts on an HTTP/1.1 server (or the HTTP/1.1 side of the
 * TLS one): a request head must arrive within `header_timeout` of its first
 * byte, the whole request within `request_timeout`, and a kept-alive
 * connection may wait `idle_timeout` for its next request.
 */
export function http1Limits(server: http.Server | https.Server, config: Config["http_server"]): void {
  server.headersTimeout = Math.min(config.header_timeout, config.request_timeout);
  server.requestTimeout = config.request_timeout;
  server.keepAliveTimeout = config.idle_timeout;
  (server as { connectionsCheckingInterval?: number }).connectionsCheckingInterval = checkIntervalMs;
}
