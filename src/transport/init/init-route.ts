import type { TransportRoute } from "../http/transport-route.js";

/**
 * `init.enabled`: a cheap GET on the external listener that passes the same
 * checks as a connection endpoint (connection limits, origin and CORS) and
 * answers `{}` — for a load balancer's health check, or to open an HTTP/2
 * connection before a WebSocket is started over it. Other methods get 405.
 */
export function createInitRoute(path: string): TransportRoute {
  return {
    path,
    methods: ["GET", "POST"],
    bodyLimit: 1024,
    async handle(request, reply) {
      if (request.method !== "GET") {
        await reply.code(405).header("allow", "GET").send();
        return;
      }
      await reply.code(200).type("application/json; charset=utf-8").send("{}");
    },
  };
}
