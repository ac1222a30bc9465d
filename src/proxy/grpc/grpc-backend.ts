import { compressionGzip, createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import type { ProxyOptions } from "../../config/proxy-schema.js";
import type { ProxyBackend } from "../backend.js";
import { createRpcBackend } from "../rpc-backend.js";
import { tlsConnectOptions } from "../tls-options.js";

/**
 * A gRPC backend (`grpc://host:port` or `host:port`): native gRPC over one
 * HTTP/2 connection per target, on which every call of the proxy is a stream.
 * TLS, gzip and the per-call credentials pair come from the `grpc` options.
 */
export function createGrpcBackend(p: ProxyOptions, where: string): ProxyBackend {
  const target = p.endpoint.replace(/^grpc:\/\//, "");
  const tls = p.grpc.tls.enabled;
  const baseUrl = `${tls ? "https" : "http"}://${target}`;
  const sessions = new Http2SessionManager(
    baseUrl,
    { pingIntervalMs: 30_000 },
    tls ? tlsConnectOptions(p.grpc.tls, `${where}.grpc.tls`) : {},
  );
  const transport = createGrpcTransport({
    baseUrl,
    sessionManager: sessions,
    sendCompression: p.grpc.compression ? compressionGzip : undefined,
    readMaxBytes: p.max_receive_message_size,
  });
  return createRpcBackend("grpc", transport, () => sessions.abort());
}
