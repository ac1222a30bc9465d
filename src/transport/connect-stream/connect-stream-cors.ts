import { cors } from "@connectrpc/connect";
import type { onRequestHookHandler } from "fastify";
import { CentrifugoUniStream } from "../../../gen/centrifugal/centrifugo/unistream/unistream_pb.js";
import { createOriginCheck } from "../origin.js";

const consumePath = `/${CentrifugoUniStream.typeName}/${CentrifugoUniStream.method.consume.name}`;
const allowMethods = cors.allowedMethods.join(", ");
const allowHeaders = cors.allowedHeaders.join(", ");
const exposeHeaders = cors.exposedHeaders.join(", ");

/**
 * Origin policy of the Connect stream, the one client transport a browser
 * reaches with fetch (connect-web) rather than WebSocket: pages on an origin
 * listed in `client.allowed_origins` may call it cross-origin (CORS preflight
 * and response headers as connect-es lists them); any other Origin gets 403,
 * as a WebSocket upgrade would. Requests without Origin (non-browser clients)
 * pass. The server API routes are left without CORS: they are for backends.
 */
export function connectStreamCors(allowedOrigins: readonly string[]): onRequestHookHandler {
  const originAllowed = createOriginCheck(allowedOrigins);
  return (req, reply, done) => {
    const origin = req.headers.origin;
    if (origin === undefined || req.url.split("?", 1)[0] !== consumePath) return done();
    if (!originAllowed(req.headers)) {
      reply.code(403).type("text/plain").send("Forbidden: origin not allowed\n");
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
