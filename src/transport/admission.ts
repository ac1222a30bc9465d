import type { ClientContext } from "../client/client-context.js";
import type { TransportRoute } from "./http/transport-route.js";
import type { UpgradeHandler } from "./upgrade-router.js";

/** How often at most the connection limit is logged while it refuses. */
const warnEveryMs = 3000;

/** Whether a new connection may start on this node; false means answer 503 and stop. */
export type Admission = () => boolean;

/**
 * `client.connection_rate_limit` and `client.connection_limit`, checked before
 * any connection endpoint does its work (WebSocket upgrades, SSE, HTTP
 * streaming and their unidirectional forms; not emulation's follow-up
 * requests). The rate is Centrifugo's token bucket: N tokens, one more each
 * second, so a burst of N passes and then one per second; refusals by rate
 * are neither counted nor logged, as in Centrifugo. The limit compares with
 * the clients the hub holds (connected and authenticated), counts each
 * refusal in `centrifugo_node_client_connection_limit` and warns at most
 * every 3 seconds.
 */
export function createAdmission(ctx: ClientContext): Admission {
  const { connection_limit: limit, connection_rate_limit: rate } = ctx.config.client;
  let tokens = rate;
  let filledAt = performance.now();
  let warnedAt = Number.NEGATIVE_INFINITY;
  const takeToken = (): boolean => {
    const now = performance.now();
    tokens = Math.min(rate, tokens + (now - filledAt) / 1000);
    filledAt = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
  return () => {
    if (rate > 0 && !takeToken()) return false;
    if (limit > 0 && ctx.node.hub.numClients >= limit) {
      ctx.metrics.node.connectionLimited();
      const now = performance.now();
      if (now - warnedAt >= warnEveryMs) {
        warnedAt = now;
        ctx.log.warn({ limit }, "node connection limit reached");
      }
      return false;
    }
    return true;
  };
}

/** A WebSocket endpoint behind the admission check: refused upgrades get a bare 503. */
export function admitUpgrades(admit: Admission, handler: UpgradeHandler): UpgradeHandler {
  return (req, socket, head) => {
    if (admit()) handler(req, socket, head);
    else socket.end("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  };
}

/** An HTTP transport endpoint behind the admission check: refused requests get a bare 503. */
export function admitRequests(admit: Admission, route: TransportRoute): TransportRoute {
  return {
    ...route,
    handle: async (request, reply) => {
      if (admit()) return route.handle(request, reply);
      await reply.code(503).send();
    },
  };
}
