import { fastifyConnectPlugin } from "@connectrpc/connect-fastify";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { type ApiKeyPolicy, type ExtraAccess, noKeyPolicy } from "../api/api-key.js";
import type { ApiService } from "../api/api-service.js";
import { type ApiRoutesOptions, apiConnectRoutes } from "../api/connect-routes.js";
import { countedApiService } from "../api/counted-api.js";
import { createDirectUnaryAnswer, type DirectUnaryOptions } from "../api/direct-unary/direct-unary-answer.js";
import { createHttpJsonDirect, type HttpJsonDirectOptions } from "../api/http-json/http-json-direct.js";
import { httpJsonApiPlugin } from "../api/http-json/http-json-plugin.js";
import { connectJsonOptions } from "../api/well-formed-json.js";
import type { Config } from "../config/schema.js";
import type { Metrics } from "../metrics/create-metrics.js";
import type { ApiTracer } from "../tracing/api-tracer.js";
import { answerRequestsFirst, answerStreamsFirst } from "./http-app.js";

/** What one listener's Connect router serves. */
export interface ListenerApi {
  /** The server API with its key (and the HTTP JSON API beside it), or only for the admin UI. */
  readonly api: boolean;
  /** The admin token, accepted where the admin UI is served. */
  readonly adminAccess?: ExtraAccess | undefined;
  /** The client uni stream (main listener only). */
  readonly extraService?: ApiRoutesOptions["extraService"];
}

export interface ApiContext {
  readonly config: Config;
  readonly service: ApiService;
  readonly policy: ApiKeyPolicy;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly readMaxBytes: number;
  /** Traces API calls when `opentelemetry.api` is on. */
  readonly tracer?: ApiTracer | undefined;
}

/**
 * Has the listener answer unary calls to the API itself (native gRPC,
 * gRPC-Web, Connect), with the settings of its Connect routes, before they
 * reach Fastify and the router.
 */
export function answerUnaryFirst(
  app: FastifyInstance,
  routes: Omit<DirectUnaryOptions, "readMaxBytes" | "http">,
  ctx: Pick<ApiContext, "config" | "metrics" | "readMaxBytes">,
): void {
  const http = ctx.config.prometheus.instrument_http_handlers ? ctx.metrics.node : undefined;
  answerStreamsFirst(app, createDirectUnaryAnswer({ ...routes, readMaxBytes: ctx.readMaxBytes, http }));
}

/**
 * Has the listener's HTTP/1.1 server answer the HTTP JSON API's publish,
 * broadcast and batch requests itself, before Fastify, as its routes would.
 */
function answerPublishesFirst(
  app: FastifyInstance,
  http: Omit<HttpJsonDirectOptions, "bodyLimit" | "log" | "http">,
  ctx: Pick<ApiContext, "config" | "metrics" | "log">,
): void {
  const counted = ctx.config.prometheus.instrument_http_handlers ? ctx.metrics.node : undefined;
  const bodyLimit = app.initialConfig.bodyLimit ?? 0;
  answerRequestsFirst(app, createHttpJsonDirect({ ...http, bodyLimit, log: ctx.log, http: counted }));
}

/**
 * Mounts the server API on a listener: the Connect router (gRPC, gRPC-Web,
 * Connect) when the listener serves the API, the admin UI or the uni stream,
 * and the HTTP JSON API where the API itself is served. Where the admin UI is
 * served without the API, the Connect routes admit only the admin token.
 */
export async function mountApi(app: FastifyInstance, ctx: ApiContext, here: ListenerApi): Promise<void> {
  const { config, metrics } = ctx;
  if (here.api || here.adminAccess || here.extraService) {
    const routes = {
      service: ctx.service,
      serveApi: here.api || here.adminAccess !== undefined,
      policy: here.api ? ctx.policy : noKeyPolicy,
      alsoAdmits: here.adminAccess,
      errorMode: config.http_api.error_mode,
      reflection: here.api,
      extraService: here.extraService,
      metrics: metrics.api,
      tracer: ctx.tracer,
      log: ctx.log,
    };
    await app.register(fastifyConnectPlugin, {
      readMaxBytes: ctx.readMaxBytes,
      shutdownTimeoutMs: 1000,
      jsonOptions: connectJsonOptions,
      routes: apiConnectRoutes(routes),
    });
    if (routes.serveApi) answerUnaryFirst(app, routes, ctx);
  }
  if (here.api && !config.http_api.disabled) {
    const http = {
      service: countedApiService(ctx.service, metrics.api, "http_json"),
      policy: ctx.policy,
      errorMode: config.http_api.error_mode,
      handlerPrefix: config.http_api.handler_prefix,
    };
    await app.register(httpJsonApiPlugin, { ...http, tracer: ctx.tracer });
    // Traced requests keep to the routes, whose spans carry the HTTP attributes.
    if (!ctx.tracer) answerPublishesFirst(app, http, ctx);
  }
}
