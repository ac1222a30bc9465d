import { cors } from "@connectrpc/connect";
import type { onRequestHookHandler } from "fastify";
import type { Logger } from "pino";
import { CentrifugoUniStream } from "../../../gen/centrifugal/centrifugo/unistream/unistream_pb.js";
import { refuse } from "../http/transport-route.js";
import { createOriginCheck, originRefusal } from "../origin.js";

const consumePath = `/${CentrifugoUniStream.typeName}/${CentrifugoUniStream.method.consume.name}`;
const allowMethods = cors.allowedMethods.join(", ");
const allowHeaders = cors.allowedHeaders.join(", ");
const exposeHeaders = cors.exposedHeaders.join(", ");

/**
 * What the Connect stream needs at the HTTP level before connect-es sees the
 * request. `X-Accel-Buffering: no` keeps nginx-style proxies from holding
 * pushes back in their buffers. And since this is the one client transport a
 * browser reaches with fetch (connect-web) rather than WebSocket, the origin
 * rule of the other transports applies here through CORS: pages on an origin
 * in `client.allowed_origins` may call it cross-origin (preflight and response
 * headers as connect-es lists them), other origins get 403, requests without
 * Origin (non-browser clients) pass. The server API routes stay without CORS:
 * they are for backends.
 */
export function connectStreamHook(allowedOrigins: readonly string[], log?: Logger): onRequestHookHandler {
  const originAllowed = createOriginCheck(allowedOrigins, log);
  return (req, reply, done) => {
    const url = req.url;
    if (
      !url.startsWith(consumePath) ||
      (url.length > consumePath.length && url[consumePath.length] !== "?")
    ) {
      return done();
    }
    reply.header("x-accel-buffering", "no");
    const origin = req.headers.origin;
    if (origin === undefined) return done();
    if (!originAllowed(req.headers)) {
      void refuse(reply, 403, originRefusal);
      return;
    }
    reply.header("access-control-allow-origin", origin).header("vary", "Origin");
    if (req.method === "OPTIONS") {
      reply
        .code(204)
        .header("access-control-allow-methods", allowMethods)
        .header("access-control-allow-headers", allowHeaders)
        .header("access-control-max-age", "7200")
        .send();
      return;
    }
    reply.header("access-control-expose-headers", exposeHeaders);
    done();
  };
}
