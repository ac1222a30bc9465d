import { hostname } from "node:os";
import { fastifyConnectPlugin } from "@connectrpc/connect-fastify";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { createApiService } from "../api/api-service.js";
import { apiConnectRoutes } from "../api/connect-routes.js";
import { httpJsonApiPlugin } from "../api/http-json/http-json-plugin.js";
import { createTokenVerifier } from "../auth/token-verifier.js";
import type { Config } from "../config/schema.js";
import { disconnects } from "../errors/disconnect.js";
import { Node } from "../node/node.js";
import { createProxies } from "../proxy/proxies.js";
import {
  connectStreamFile,
  connectStreamRoutes,
} from "../transport/connect-stream/connect-stream-handler.js";
import { connectStreamHook } from "../transport/connect-stream/connect-stream-hook.js";
import { type ApiKeys, resolveApiKeys } from "./api-keys.js";
import { banner } from "./banner.js";
import { mountClientTransports } from "./client-transports.js";
import { createEngine } from "./engine.js";
import { createHttpApp } from "./http-app.js";
import { rotorVersion } from "./package-info.js";

/** A running rotor: its node, the ports it answers on, and how to stop it. */
export interface RotorServer {
  readonly node: Node;
  readonly port: number;
  readonly grpcPort: number | undefined;
  readonly apiKeys: ApiKeys;
  close(): Promise<void>;
}

const defaultMaxMessageSize = 4 * 1024 * 1024;

function listeningPort(app: FastifyInstance): number {
  const address = app.server.address();
  return typeof address === "object" && address ? address.port : 0;
}

/**
 * Starts rotor: the engine, the node, the main port with every surface, and the
 * dedicated gRPC API port when `grpc_api.enabled` is set.
 */
export async function startRotorServer(config: Config, logger: Logger): Promise<RotorServer> {
  const tokens = await createTokenVerifier(config.client);
  const engine = createEngine(config, logger);
  let port = config.http_server.port;
  const node = new Node({
    config,
    ...engine,
    logger,
    name: () => `${hostname()}_${port}`,
    version: rotorVersion,
  });
  await node.start();
  const service = createApiService(node);
  const apiKeys = resolveApiKeys(config);
  const maxMessageSize = config.grpc_api.max_receive_message_size || defaultMaxMessageSize;
  const connectOptions = { readMaxBytes: maxMessageSize, shutdownTimeoutMs: 1000 };

  const proxies = createProxies(config, logger);
  const clientCtx = { node, config, tokens, proxies, log: logger, version: rotorVersion };
  const uniStream = config.uni_grpc.enabled
    ? { file: connectStreamFile, routes: connectStreamRoutes(clientCtx) }
    : undefined;
  const app = createHttpApp(logger, config.http_server.tls, maxMessageSize);
  if (uniStream) app.addHook("onRequest", connectStreamHook(config.client.allowed_origins, logger));
  await app.register(fastifyConnectPlugin, {
    ...connectOptions,
    routes: apiConnectRoutes({
      service,
      policy: apiKeys.http,
      errorMode: config.http_api.error_mode,
      reflection: true,
      extraService: uniStream,
    }),
  });
  if (!config.http_api.disabled) {
    const { error_mode: errorMode, handler_prefix: handlerPrefix } = config.http_api;
    await app.register(httpJsonApiPlugin, { service, policy: apiKeys.http, errorMode, handlerPrefix });
  }
  mountClientTransports(app, clientCtx);
  if (config.health.enabled) app.get("/health", async () => ({}));
  await app.listen({ host: config.http_server.address || "0.0.0.0", port: config.http_server.port });
  port = listeningPort(app);

  let grpcApp: FastifyInstance | undefined;
  if (config.grpc_api.enabled) {
    grpcApp = createHttpApp(logger, config.grpc_api.tls, maxMessageSize);
    await grpcApp.register(fastifyConnectPlugin, {
      ...connectOptions,
      routes: apiConnectRoutes({
        service,
        policy: apiKeys.grpc,
        errorMode: config.grpc_api.error_mode,
        reflection: config.grpc_api.reflection,
        extraService: uniStream,
      }),
    });
    await grpcApp.listen({ host: config.grpc_api.address || "0.0.0.0", port: config.grpc_api.port });
  }
  const grpcPort = grpcApp ? listeningPort(grpcApp) : undefined;

  for (const line of banner(config, port, grpcPort, rotorVersion)) logger.info(line);
  if (apiKeys.generated) {
    logger.warn(`no API key configured: generated one for this run: ${apiKeys.generated}`);
  }
  if (config.http_api.insecure)
    logger.warn("http_api.insecure is set: the server API on the main port needs no key");
  if (config.grpc_api.enabled && config.grpc_api.insecure) {
    logger.warn("grpc_api.insecure is set: the gRPC API port needs no key");
  }

  return {
    node,
    port,
    grpcPort,
    apiKeys,
    async close() {
      for (const client of [...node.hub.allClients()]) client.disconnect(disconnects.shutdown);
      await Promise.all([app.close(), grpcApp?.close()]);
      await Promise.all([node.close(), proxies.close()]);
    },
  };
}
