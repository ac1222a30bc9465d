import type { FastifyInstance } from "fastify";
import type { Config } from "../config/schema.js";
import type { Metrics } from "../metrics/create-metrics.js";
import { mountDebugRoutes } from "./debug-routes.js";

/**
 * The health check, the Prometheus endpoint and the profiling endpoints (`debug`), on the listener that serves
 * operations (the internal one when set). Health answers `{}` to any method,
 * as Centrifugo's does; `/metrics` is the text exposition of this server's
 * registry.
 */
export function mountOpsRoutes(app: FastifyInstance, config: Config, metrics: Metrics): void {
  if (config.health.enabled) app.all(config.health.handler_prefix || "/", async () => ({}));
  if (config.debug.enabled) mountDebugRoutes(app, config.debug.handler_prefix);
  if (config.prometheus.enabled) {
    app.get(config.prometheus.handler_prefix || "/", async (_request, reply) =>
      reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
    );
  }
}

/**
 * `prometheus.instrument_http_handlers`: every HTTP response counted by route
 * pattern (`other` for requests no route matched), method and status.
 */
export function instrumentHttp(app: FastifyInstance, metrics: Metrics): void {
  app.addHook("onResponse", async (request, reply) => {
    metrics.node.httpRequest(request.routeOptions.url ?? "other", request.method, reply.statusCode);
  });
}
