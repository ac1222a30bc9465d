import { hostname } from "node:os";
import { fastifyConnectPlugin } from "@connectrpc/connect-fastify";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { createApiService } from "../api/api-service.js";
import { apiConnectRoutes } from "../api/connect-routes.js";
import { connectJsonOptions } from "../api/well-formed-json.js";
import { createTokenVerifier } from "../auth/token-verifier.js";
import type { Config } from "../config/schema.js";
import { startConsumers } from "../consumers/start-consumers.js";
import { disconnects } from "../errors/disconnect.js";
import { createParts } from "../lifecycle/parts.js";
import { logOnTerminal, reportSecrets } from "../log/report-secrets.js";
import { createChannelTally } from "../metrics/channel-tally.js";
import { createMetrics, type Metrics } from "../metrics/create-metrics.js";
import { createInfoMetrics } from "../metrics/info-metrics.js";
import { Node } from "../node/node.js";
import { createProxies } from "../proxy/proxies.js";
import { createSharedPolls } from "../shared-poll/shared-polls.js";
import { startTracing } from "../tracing/start-tracing.js";
import {
  connectStreamFile,
  connectStreamRoutes,
} from "../transport/connect-stream/connect-stream-handler.js";
import type { WorkerRole } from "../workers/worker-role.js";
import { type ApiKeys, resolveApiKeys } from "./api-keys.js";
import { answerUnaryFirst } from "./api-routes.js";
import { banner, type ListeningPorts } from "./banner.js";
import { countedBroker, countedController, countedMapBroker, countedPresence } from "./counted-engine.js";
import { createEngine, type Engine, mapBrokerFactory } from "./engine.js";
import { createHttpApp } from "./http-app.js";
import { listenOn } from "./listen-on.js";
import { placeSurfaces } from "./listeners.js";
import { rotorVersion } from "./package-info.js";
import { buildListeners } from "./surfaces.js";
import { listenUniGrpc } from "./uni-grpc-listener.js";

/** A running rotor: its node, the ports it answers on, and how to stop it. */
export interface RotorServer {
  readonly node: Node;
  readonly metrics: Metrics;
  readonly port: number;
  /** The internal listener's port, when `http_server.internal_port` / `internal_address` set one. */
  readonly internalPort: number | undefined;
  readonly grpcPort: number | undefined;
  /** `uni_grpc`'s own port, when it is enabled. */
  readonly uniGrpcPort: number | undefined;
  readonly apiKeys: ApiKeys;
  close(): Promise<void>;
}

const defaultMaxMessageSize = 4 * 1024 * 1024;

function listeningPort(app: FastifyInstance): number {
  const address = app.server.address();
  return typeof address === "object" && address ? address.port : 0;
}

/**
 * Starts rotor: the engine, the node, the main port with the client
 * transports, the server API, health, metrics and admin UI on the main port
 * or the internal one, and the dedicated gRPC API port when
 * `grpc_api.enabled` is set. As one of several workers (`role`), its node
 * name carries the worker's number and only worker 1 logs the banner. The
 * parts start in that order and stop in reverse; when start-up fails, what
 * already started is stopped. `engine` replaces the one the config describes.
 * When `abort` fires during start-up (a stop signal), start-up stops there,
 * whatever part it waits on, stops what already started and rejects.
 */
export async function startRotorServer(
  config: Config,
  logger: Logger,
  role?: WorkerRole,
  engine?: Engine,
  abort?: AbortSignal,
): Promise<RotorServer> {
  const parts = createParts(logger, abort);
  try {
    const server = await start(config, logger, parts, role, engine);
    abort?.throwIfAborted();
    return server;
  } catch (err) {
    await parts.stop();
    throw err;
  }
}

async function start(
  config: Config,
  logger: Logger,
  parts: ReturnType<typeof createParts>,
  role: WorkerRole | undefined,
  given: Engine | undefined,
): Promise<RotorServer> {
  const metrics = createMetrics({
    version: rotorVersion,
    recoveredHistogram: config.prometheus.recovered_publications_histogram,
    nativeHistograms: config.prometheus.native_histograms,
    processMetrics: config.prometheus.enabled,
  });
  const infoMetrics = createInfoMetrics(metrics.registry, config.node.info_metrics_aggregate_interval);
  await parts.start({ name: "info metrics", stop: async () => infoMetrics.close() });
  const tokens = await createTokenVerifier(config.client);
  for (const warning of tokens.warnings) logger.warn(warning);
  const pubSub = { error: (kind: string) => metrics.broker.pubSubError("", kind) };
  const engine = given ?? (await createEngine(config, logger, { pubSub, postgres: metrics.broker.postgres }));
  let port = config.http_server.port;
  const nodeName = () => `${config.node.name || `${hostname()}_${port}`}${role ? `_w${role.number}` : ""}`;
  const makeMapBroker = await mapBrokerFactory(config, logger, metrics.mapBroker);
  const node = new Node({
    config,
    ...engine,
    broker: countedBroker(engine.broker, metrics.node, metrics.broker),
    presence: countedPresence(engine.presence, metrics.node),
    controller: countedController(engine.controller, metrics.node),
    mapBroker: (channels) => countedMapBroker(makeMapBroker(channels), metrics.node, metrics.mapBroker),
    logger,
    name: nodeName,
    version: rotorVersion,
    infoMetrics: infoMetrics.current,
    surveyed: (op, seconds) => metrics.node.survey(op, seconds),
  });
  node.hub.observe(createChannelTally(metrics.client));
  metrics.node.watch(() => ({ ...node.snapshot(), numNodes: node.info().length }));
  await parts.start({ name: "engine", start: () => node.start(), stop: () => node.close() });
  const proxies = createProxies(config, logger, metrics.proxy);
  await parts.start({ name: "proxies", stop: () => proxies.close() });
  const sharedPolls = createSharedPolls(config, proxies, node.cluster, logger);
  await parts.start({ name: "shared poll", stop: async () => sharedPolls.close() });
  const service = createApiService(node, sharedPolls);
  const apiKeys = resolveApiKeys(config);
  const readMaxBytes = config.grpc_api.max_receive_message_size || defaultMaxMessageSize;
  const clientCtx = {
    node,
    config,
    tokens,
    proxies,
    log: logger,
    version: rotorVersion,
    metrics,
    sharedPolls,
  };
  const uniStream = config.uni_grpc.enabled
    ? { file: connectStreamFile, routes: connectStreamRoutes(clientCtx) }
    : undefined;
  const tracing = config.opentelemetry.enabled
    ? await startTracing({ api: config.opentelemetry.api, nodeId: node.id, version: rotorVersion }, logger)
    : undefined;
  await parts.start({ name: "tracing", stop: async () => tracing?.shutdown() });
  const tracer = tracing?.api;
  const apiCtx = { config, service, policy: apiKeys.http, metrics, log: logger, readMaxBytes, tracer };
  const { main: app, internal } = await buildListeners(apiCtx, clientCtx, uniStream);
  let grpcApp: FastifyInstance | undefined;
  await parts.start({
    name: "listeners",
    stop: async () => {
      await Promise.all([app.close(), internal?.close(), grpcApp?.close()]);
    },
  });
  await parts.start({
    name: "clients",
    stop: async () => {
      for (const client of [...node.hub.allClients()]) client.disconnect(disconnects.shutdown);
    },
  });
  await listenOn(
    app,
    config.http_server.address || "0.0.0.0",
    config.http_server.port,
    "--port or http_server.port",
  );
  port = listeningPort(app);
  const placement = placeSurfaces(config);
  if (internal && placement.internal) {
    await listenOn(
      internal,
      placement.internal.address || "0.0.0.0",
      placement.internal.port,
      "http_server.internal_port",
    );
  }
  const internalPort = internal ? listeningPort(internal) : undefined;

  if (config.grpc_api.enabled) {
    grpcApp = createHttpApp(logger, config.grpc_api.tls, readMaxBytes, config.http_server);
    const routes = {
      service,
      policy: apiKeys.grpc,
      errorMode: config.grpc_api.error_mode,
      reflection: config.grpc_api.reflection,
      extraService: uniStream,
      metrics: metrics.api,
      tracer,
      log: logger,
    };
    await grpcApp.register(fastifyConnectPlugin, {
      readMaxBytes,
      shutdownTimeoutMs: 1000,
      jsonOptions: connectJsonOptions,
      routes: apiConnectRoutes(routes),
    });
    answerUnaryFirst(grpcApp, routes, apiCtx);
    await listenOn(grpcApp, config.grpc_api.address || "0.0.0.0", config.grpc_api.port, "grpc_api.port");
  }
  const grpcPort = grpcApp ? listeningPort(grpcApp) : undefined;
  let uniGrpcApp: FastifyInstance | undefined;
  await parts.start({
    name: "uni_grpc listener",
    start: async () => {
      if (uniStream) uniGrpcApp = await listenUniGrpc(config, clientCtx, uniStream.routes);
    },
    stop: async () => uniGrpcApp?.close(),
  });
  const uniGrpcPort = uniGrpcApp ? listeningPort(uniGrpcApp) : undefined;
  let consumers: Awaited<ReturnType<typeof startConsumers>> | undefined;
  await parts.start({
    name: "consumers",
    start: async () => {
      consumers = await startConsumers(config.consumers, service, metrics, logger);
    },
    stop: async () => consumers?.close(),
  });

  const ports = { port, internalPort, grpcPort };
  if (!role || role.announce) announce(config, ports, apiKeys, logger, role?.count ?? 1);
  else logger.info({ node: nodeName() }, `worker ${role.number} of ${role.count} ready`);

  return { node, metrics, port, internalPort, grpcPort, uniGrpcPort, apiKeys, close: () => parts.stop() };
}

/** A server API key generated for this run, told as every generated secret is (not into a log that is not a terminal). */
export function reportGeneratedKey(logger: Logger, key: string, logFile: string): void {
  reportSecrets(
    logger,
    "no API key configured: generated one for this run",
    { "API key": `${key}  (X-API-Key header; gRPC metadata authorization: apikey <key>)` },
    logOnTerminal(logFile),
    "rotor-api-key",
  );
}

/** The banner, the generated API key and the warnings about open surfaces: logged once per run. */
function announce(config: Config, ports: ListeningPorts, apiKeys: ApiKeys, logger: Logger, workers: number) {
  const { title, surfaces } = banner(config, ports, rotorVersion, workers);
  logger.info({ surfaces }, title);
  if (apiKeys.generated) reportGeneratedKey(logger, apiKeys.generated, config.log.file);
  if (config.http_api.insecure)
    logger.warn("http_api.insecure is set: the server API on the main port needs no key");
  if (config.grpc_api.enabled && config.grpc_api.insecure) {
    logger.warn("grpc_api.insecure is set: the gRPC API port needs no key");
  }
}
