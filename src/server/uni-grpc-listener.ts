import type { ConnectRouter } from "@connectrpc/connect";
import { fastifyConnectPlugin } from "@connectrpc/connect-fastify";
import type { FastifyInstance } from "fastify";
import { connectJsonOptions } from "../api/well-formed-json.js";
import type { ClientContext } from "../client/client-context.js";
import type { Config } from "../config/schema.js";
import { connectStreamHook } from "../transport/connect-stream/connect-stream-hook.js";
import { createHttpApp } from "./http-app.js";
import { listenOn } from "./listen-on.js";

/** gRPC's default largest message, used when `uni_grpc.max_receive_message_size` is 0. */
const defaultMaxMessageSize = 4 * 1024 * 1024;

/** Centrifugo's uni_grpc keepalive: a ping every 25 s, the connection closed if one goes unanswered for 5 s. */
const keepalive = { ping_interval: 25_000, ping_timeout: 5_000 };

/**
 * `uni_grpc` on its own port (`uni_grpc.address`, `uni_grpc.port`, its own
 * TLS), where Centrifugo serves it, so a client written for Centrifugo finds
 * `CentrifugoUniStream/Consume` at the same address. Only the stream is
 * served there; connection limits do not apply to it (Centrifugo's rule).
 */
export async function listenUniGrpc(
  config: Config,
  ctx: ClientContext,
  routes: (router: ConnectRouter) => void,
): Promise<FastifyInstance> {
  const uni = config.uni_grpc;
  const readMaxBytes = uni.max_receive_message_size || defaultMaxMessageSize;
  const limits = { ...config.http_server, http2: { ...config.http_server.http2, ...keepalive } };
  const app = createHttpApp(ctx.log, uni.tls, readMaxBytes, limits);
  app.addHook("onRequest", connectStreamHook(config.client.allowed_origins, ctx.log));
  await app.register(fastifyConnectPlugin, {
    readMaxBytes,
    shutdownTimeoutMs: 1000,
    jsonOptions: connectJsonOptions,
    routes,
  });
  await listenOn(app, uni.address || "0.0.0.0", uni.port, "uni_grpc.port");
  return app;
}
