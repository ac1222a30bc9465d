import { fastifyConnectPlugin } from "@connectrpc/connect-fastify";
import type { ApiService } from "../../src/api/api-service.js";
import { apiConnectRoutes } from "../../src/api/connect-routes.js";
import { httpJsonApiPlugin } from "../../src/api/http-json/http-json-plugin.js";
import { loadConfig } from "../../src/config/load.js";
import { errors } from "../../src/errors/rotor-error.js";
import { createLogger } from "../../src/log.js";
import { resolveApiKeys } from "../../src/server/api-keys.js";
import { createHttpApp } from "../../src/server/http-app.js";
import { portArg } from "./server-args.js";

/**
 * The API baseline: rotor's own Fastify + one-port (h1 + h2c) app with the
 * same Connect routes and HTTP JSON plugin, whose service answers Publish
 * without doing anything. Against it, rotor's ratio is the cost of publishing.
 */
const noopService: ApiService = {
  call: (method) =>
    Promise.resolve(method === "publish" ? { result: {} as never } : { error: errors.notAvailable() }),
  checkChannel: () => undefined,
  batch: () => Promise.resolve({ replies: [] }),
};

const loaded = loadConfig({ object: { http_api: { insecure: true }, log: { level: "warn" } } });
if (loaded.error !== undefined) throw new Error(loaded.error);
const config = loaded.config;
const policy = resolveApiKeys(config).http;
const app = createHttpApp(createLogger("warn"), config.http_server.tls, 4 * 1024 * 1024, config.http_server);
await app.register(fastifyConnectPlugin, {
  readMaxBytes: 4 * 1024 * 1024,
  shutdownTimeoutMs: 1000,
  routes: apiConnectRoutes({ service: noopService, policy, errorMode: "", reflection: true }),
});
await app.register(httpJsonApiPlugin, { service: noopService, policy, errorMode: "", handlerPrefix: "/api" });
app.get("/health", async () => ({}));
await app.listen({ host: "127.0.0.1", port: portArg() });
