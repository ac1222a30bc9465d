import type { Server } from "node:http";
import type { FastifyInstance } from "fastify";
import type { ClientContext } from "../client/client-context.js";
import { routeUpgrades, type UpgradeHandler } from "../transport/upgrade-router.js";
import { createWebSocketHandler } from "../transport/websocket/websocket-handler.js";

/** Mounts the client transports the config enables on the main port. */
export function mountClientTransports(app: FastifyInstance, ctx: ClientContext): void {
  const { config } = ctx;
  const upgrades = new Map<string, UpgradeHandler>();
  if (!config.websocket.disabled) upgrades.set(config.websocket.handler_prefix, createWebSocketHandler(ctx));
  routeUpgrades(app.server as Server, upgrades);
}
