import type { ProxyOptions } from "./proxy-schema.js";

/** How a proxy reaches its backend. */
export type ProxyProtocol = "http" | "grpc" | "connect-rpc";

const hostPort = /^(\[[0-9a-fA-F:.]+\]|[^/:[\]]+):\d+$/;

/**
 * The protocol a proxy object's endpoint asks for, as Centrifugo reads it
 * (`http(s)://` is HTTP JSON, `grpc://host:port` or a bare `host:port` is
 * gRPC), plus rotor's Connect: `connect://host:port`, or an `http(s)://` base
 * URL with `connect_rpc.enabled`. Undefined when the endpoint is none of them.
 */
export function proxyProtocol(p: Pick<ProxyOptions, "endpoint" | "connect_rpc">): ProxyProtocol | undefined {
  const { endpoint } = p;
  if (/^https?:\/\/./.test(endpoint)) return p.connect_rpc.enabled ? "connect-rpc" : "http";
  if (/^connect:\/\/./.test(endpoint)) return "connect-rpc";
  if (endpoint.startsWith("grpc://")) return hostPort.test(endpoint.slice(7)) ? "grpc" : undefined;
  return hostPort.test(endpoint) ? "grpc" : undefined;
}
