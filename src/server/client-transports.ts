import type { Server } from "node:http";
import type { FastifyInstance } from "fastify";
import type { ClientContext } from "../client/client-context.js";
import { disconnects } from "../errors/disconnect.js";
import { admitRequests, admitUpgrades, createAdmission } from "../transport/admission.js";
import { createEmulationRoute } from "../transport/emulation/emulation-route.js";
import { createSessionRegistry } from "../transport/emulation/session-registry.js";
import { createCors } from "../transport/http/cors.js";
import { mountTransportRoutes, type TransportRoute } from "../transport/http/transport-route.js";
import { createHttpStreamRoute } from "../transport/http-stream/http-stream-route.js";
import { createInitRoute } from "../transport/init/init-route.js";
import { createSseRoute } from "../transport/sse/sse-route.js";
import { createUniHttpStreamRoute } from "../transport/uni-http-stream/uni-http-stream-route.js";
import { createUniSseRoute } from "../transport/uni-sse/uni-sse-route.js";
import { createUniWebSocketHandler } from "../transport/uni-websocket/uni-websocket-handler.js";
import { routeUpgrades, type UpgradeHandler, upgradeRouter } from "../transport/upgrade-router.js";
import { acceptExtendedConnect } from "../transport/websocket/extended-connect.js";
import { createWebSocketHandler } from "../transport/websocket/websocket-handler.js";
import { answerExtendedConnect } from "./http-app.js";

/**
 * Mounts the client transports the config enables on the main port:
 * WebSocket upgrades by path (and, with `http_server.http2.extended_connect`,
 * WebSocket over HTTP/2 streams to the same handlers), and the HTTP transports (emulation, uni SSE and
 * HTTP streaming) in a Fastify scope with their own body and origin rules.
 */
export function mountClientTransports(app: FastifyInstance, ctx: ClientContext): void {
  const { config } = ctx;
  const admit = createAdmission(ctx);
  const upgrades = new Map<string, UpgradeHandler>();
  if (!config.websocket.disabled) {
    upgrades.set(config.websocket.handler_prefix, admitUpgrades(admit, createWebSocketHandler(ctx)));
  }
  if (config.uni_websocket.enabled) {
    upgrades.set(config.uni_websocket.handler_prefix, admitUpgrades(admit, createUniWebSocketHandler(ctx)));
  }
  const route = upgradeRouter(upgrades);
  routeUpgrades(app.server as Server, route);
  if (config.http_server.http2.extended_connect) answerExtendedConnect(app, acceptExtendedConnect(route));

  const sessions = createSessionRegistry();
  const routes: TransportRoute[] = [];
  if (config.http_stream.enabled) routes.push(admitRequests(admit, createHttpStreamRoute(ctx, sessions)));
  if (config.sse.enabled) routes.push(admitRequests(admit, createSseRoute(ctx, sessions)));
  if (config.http_stream.enabled || config.sse.enabled) routes.push(createEmulationRoute(ctx, sessions));
  if (config.uni_sse.enabled) routes.push(admitRequests(admit, createUniSseRoute(ctx, sessions)));
  if (config.uni_http_stream.enabled) {
    routes.push(admitRequests(admit, createUniHttpStreamRoute(ctx, sessions)));
  }
  if (config.init.enabled) routes.push(admitRequests(admit, createInitRoute(config.init.handler_prefix)));
  if (routes.length === 0) return;
  const cors = createCors(config.client.allowed_origins, ctx.log);
  app.register(async (scope) => mountTransportRoutes(scope, routes, cors));
  // Connections still authenticating are not in the hub yet: end them too, or closing waits on their responses.
  app.addHook("preClose", (done) => {
    sessions.closeAll(disconnects.shutdown);
    done();
  });
}
