import type { Logger } from "pino";
import { loadConfig } from "../../src/config/load.js";
import type { Config } from "../../src/config/schema.js";
import { createLogger } from "../../src/log.js";
import type { Engine } from "../../src/server/engine.js";
import { type RotorServer, startRotorServer } from "../../src/server/rotor-server.js";
import { type PostgresProcess, startPostgres } from "./postgres-servers.js";
import { type RedisProcess, startRedis } from "./redis-servers.js";

/** The API key test servers use unless a test configures its own. */
export const testApiKey = "test-api-key";

export interface TestServer {
  readonly server: RotorServer;
  readonly config: Config;
  /** http://127.0.0.1:<port> of the main port. */
  readonly url: string;
  readonly port: number;
  /** http://127.0.0.1:<port> of the internal listener, or the main port's url when there is none. */
  readonly internalUrl: string;
  readonly grpcPort: number | undefined;
  readonly apiKey: string;
  close(): Promise<void>;
}

/**
 * The engine the engine-dependent suites run on: `ROTOR_TEST_ENGINE=redis`
 * runs them on a redis-server of this test file's own, `postgres` on the
 * PostgreSQL stream broker over a PostgreSQL cluster of the file's own.
 */
export const testEngine =
  (["redis", "postgres"] as const).find((e) => e === process.env.ROTOR_TEST_ENGINE) ?? "memory";

let redis: Promise<RedisProcess> | undefined;
let postgres: Promise<PostgresProcess> | undefined;
let servers = 0;

/**
 * The engine config a test server gets unless the test chose one: each
 * server has a Redis prefix, or PostgreSQL tables, of its own. The BYTEA
 * tables keep payloads byte for byte, as the suites expect.
 */
async function engineConfig(config: Record<string, unknown>): Promise<Record<string, unknown>> {
  if (testEngine === "memory" || config.engine || config.broker || config.presence_manager) return {};
  servers += 1;
  const prefix = `test${process.pid}s${servers}`;
  if (testEngine === "postgres") {
    postgres ??= startPostgres();
    const dsn = (await postgres).url();
    const options = {
      dsn,
      table_prefix: prefix,
      binary_data: true,
      num_shards: 2,
      pool_size: 4,
      use_notify: true,
    };
    const fast = { cleanup_interval: "1s", outbox: { poll_interval: "50ms" } };
    return { broker: { enabled: true, type: "postgres", postgres: { ...options, ...fast } } };
  }
  redis ??= startRedis();
  const { url } = await redis;
  return { engine: { type: "redis", redis: { address: url, prefix } } };
}

/** What a test may put in place of the server's own: an engine (a scripted broker), a logger to read. */
export interface TestServerParts {
  readonly engine?: Engine;
  readonly logger?: Logger;
}

/**
 * Starts a real rotor on free ports (main and, when `grpc_api` is enabled, the
 * gRPC port) with the given config object merged over test defaults.
 */
export async function startTestServer(
  config: Record<string, unknown> = {},
  parts: TestServerParts = {},
): Promise<TestServer> {
  const httpApi = (config.http_api as Record<string, unknown> | undefined) ?? {};
  const grpcApi = config.grpc_api;
  const object: Record<string, unknown> = {
    ...(await engineConfig(config)),
    ...config,
    log: { level: process.env.ROTOR_TEST_LOG ?? "silent", ...(config.log as object) },
    http_server: { address: "127.0.0.1", port: 0, ...(config.http_server as object) },
    http_api: { key: testApiKey, ...httpApi },
  };
  if (typeof config.uni_grpc === "object" && config.uni_grpc !== null) {
    object.uni_grpc = { address: "127.0.0.1", port: 0, ...config.uni_grpc };
  }
  if (grpcApi === true || (typeof grpcApi === "object" && grpcApi !== null)) {
    object.grpc_api = { address: "127.0.0.1", port: 0, ...(grpcApi === true ? { enabled: true } : grpcApi) };
  }
  const loaded = loadConfig({ object });
  if (loaded.error !== undefined) throw new Error(`test config is invalid: ${loaded.error}`);
  const logger = parts.logger ?? createLogger(loaded.config.log.level);
  const server = await startRotorServer(loaded.config, logger, undefined, parts.engine);
  return {
    server,
    config: loaded.config,
    url: `http://127.0.0.1:${server.port}`,
    port: server.port,
    internalUrl: `http://127.0.0.1:${server.internalPort ?? server.port}`,
    grpcPort: server.grpcPort,
    apiKey: (httpApi.key as string | undefined) ?? testApiKey,
    close: () => server.close(),
  };
}

/**
 * Starts one server per config side by side; when one fails to start, the
 * others are closed before the error is thrown, so a failed `before` hook
 * leaves no server (and no engine connection) keeping the test process alive.
 */
export async function startTestServers(configs: Record<string, unknown>[]): Promise<TestServer[]> {
  const started = await Promise.allSettled(configs.map((config) => startTestServer(config)));
  const failed = started.find((s) => s.status === "rejected");
  if (!failed) return started.map((s) => (s as PromiseFulfilledResult<TestServer>).value);
  await Promise.all(started.map((s) => (s.status === "fulfilled" ? s.value.close() : undefined)));
  throw failed.reason;
}
