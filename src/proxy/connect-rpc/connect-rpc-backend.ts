import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { createConnectTransport, Http2SessionManager } from "@connectrpc/connect-node";
import type { ProxyOptions } from "../../config/proxy-schema.js";
import type { ProxyBackend } from "../backend.js";
import { createRpcBackend } from "../rpc-backend.js";
import { tlsConnectOptions } from "../tls-options.js";

/**
 * A Connect backend: the same CentrifugoProxy service over the Connect
 * protocol, so a connect-node, connect-go or connect-es server can answer.
 * `connect://host:port` is cleartext; an `http(s)://` base URL with
 * `connect_rpc.enabled` may use TLS (`http.tls`). JSON unless
 * `connect_rpc.binary`; HTTP/1.1 with a keep-alive pool of
 * `http.max_connections` sockets, or one HTTP/2 connection (h2c in
 * cleartext) with `connect_rpc.http2`, which bidirectional streams need.
 */
export function createConnectRpcBackend(p: ProxyOptions, where: string): ProxyBackend {
  const baseUrl = p.endpoint.replace(/^connect:\/\//, "http://");
  const tls = baseUrl.startsWith("https:") ? tlsConnectOptions(p.http.tls, `${where}.http.tls`) : undefined;
  const useBinaryFormat = p.connect_rpc.binary;
  if (p.connect_rpc.http2) {
    const sessions = new Http2SessionManager(baseUrl, { pingIntervalMs: 30_000 }, tls ?? {});
    const transport = createConnectTransport({
      baseUrl,
      httpVersion: "2",
      sessionManager: sessions,
      useBinaryFormat,
      readMaxBytes: p.max_receive_message_size,
    });
    return createRpcBackend("connect-rpc", transport, () => sessions.abort());
  }
  const pool = { keepAlive: true, maxSockets: p.http.max_connections };
  const agent = tls ? new HttpsAgent({ ...pool, ...tls }) : new HttpAgent(pool);
  const transport = createConnectTransport({
    baseUrl,
    httpVersion: "1.1",
    nodeOptions: { agent },
    useBinaryFormat,
    readMaxBytes: p.max_receive_message_size,
  });
  return createRpcBackend("connect-rpc", transport, () => agent.destroy());
}
