import type { FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "pino";
import { createOriginCheck, originRefusal } from "../origin.js";
import { refuse } from "./transport-route.js";

/**
 * The browser rules of the HTTP transports: the origin check every transport
 * shares (403 with a plain reason when it fails), CORS headers naming the
 * caller's origin when it passes, and answers to preflight requests.
 */
export function createCors(allowedOrigins: readonly string[], log?: Logger) {
  const originAllowed = createOriginCheck(allowedOrigins, log);
  return {
    /** A Fastify `onRequest` hook for a scope of transport routes. */
    async onRequest(request: FastifyRequest, reply: FastifyReply): Promise<void> {
      if (!originAllowed(request.headers)) return refuse(reply, 403, originRefusal);
      const origin = request.headers.origin;
      if (!origin) return;
      // Set on the raw response so streams that take the response over keep them.
      reply.raw.setHeader("access-control-allow-origin", origin);
      reply.raw.setHeader("access-control-allow-credentials", "true");
      reply.raw.setHeader("vary", "Origin");
    },

    /** The handler of `OPTIONS` on a route that accepts `methods`. */
    preflight(methods: string) {
      return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
        const asked = request.headers["access-control-request-headers"];
        await reply
          .code(204)
          .header("access-control-allow-methods", methods)
          .header("access-control-allow-headers", asked ?? "Content-Type")
          .header("access-control-max-age", "300")
          .send();
      };
    },
  };
}

export type Cors = ReturnType<typeof createCors>;
