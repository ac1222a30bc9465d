import { after } from "node:test";
import pino from "pino";
import { createMemoryBroker } from "../../src/broker/memory/memory-broker.js";
import { createNatsBroker } from "../../src/broker/nats/nats-broker.js";
import { createPostgresBroker } from "../../src/broker/postgres/postgres-broker.js";
import { createRedisBroker } from "../../src/broker/redis/redis-broker.js";
import { loadConfig } from "../../src/config/load.js";
import type { Config } from "../../src/config/schema.js";
import { createNatsController } from "../../src/controller/nats/nats-controller.js";
import { createPostgresController } from "../../src/controller/postgres/postgres-controller.js";
import { createRedisController } from "../../src/controller/redis/redis-controller.js";
import type { Broker } from "../../src/core/broker.js";
import type { Controller } from "../../src/core/controller.js";
import {
  type EngineName,
  type EngineWithRole,
  engineKinds,
  enginesWithRole,
} from "../../src/core/engines.js";
import type { PresenceManager } from "../../src/core/presence-manager.js";
import { NatsClient } from "../../src/nats/nats-client.js";
import { createMemoryPresence } from "../../src/presence/memory/memory-presence.js";
import { createRedisPresence } from "../../src/presence/redis/redis-presence.js";
import { RedisShards } from "../../src/redis/redis-shards.js";
import { type NatsProcess, startNats } from "../helpers/nats-servers.js";
import { type PostgresProcess, startPostgres } from "../helpers/postgres-servers.js";
import { type RedisProcess, startRedis } from "../helpers/redis-servers.js";
import { brokerContract } from "./broker-contract.js";
import { controllerContract } from "./controller-contract.js";
import { presenceContract } from "./presence-contract.js";

/**
 * The engine contracts, run for every engine of the registry: a new engine
 * gets its factories here (the compiler asks for them) and passes the same
 * tests, skipping what its capabilities say it does not keep.
 */

const log = pino({ level: "silent" });
let redis: Promise<RedisProcess> | undefined;
let nats: Promise<NatsProcess> | undefined;
let postgres: Promise<PostgresProcess> | undefined;
let opened = 0;
after(async () => {
  await (await redis)?.stop();
  await (await nats)?.stop();
  await (await postgres)?.stop();
});

/** A config for a fresh part: its own Redis prefix, NATS subject prefix or PostgreSQL table prefix. */
async function configFor(engine: "redis" | "nats" | "postgres" | "postgres-controller"): Promise<Config> {
  opened += 1;
  const prefix = `c${opened}`;
  if (engine === "postgres-controller") {
    postgres ??= startPostgres();
    const pg = { dsn: (await postgres).url(), table_prefix: prefix, num_shards: 2, use_notify: true };
    return loadConfig({ object: { controller: { enabled: true, type: "postgres", postgres: pg } } }).config!;
  }
  if (engine === "postgres") {
    postgres ??= startPostgres();
    const dsn = (await postgres).url();
    // The contract's payloads are not JSON: the BYTEA tables keep any bytes.
    const pg = { dsn, table_prefix: prefix, binary_data: true, num_shards: 2, use_notify: true };
    const fast = { cleanup_interval: "200ms", outbox: { poll_interval: "50ms" } };
    return loadConfig({
      object: { broker: { enabled: true, type: "postgres", postgres: { ...pg, ...fast } } },
    }).config!;
  }
  if (engine === "redis") {
    redis ??= startRedis();
    const address = (await redis).url;
    return loadConfig({ object: { engine: { type: "redis", redis: { address, prefix } } } }).config!;
  }
  nats ??= startNats();
  const url = (await nats).url;
  return loadConfig({ object: { broker: { enabled: true, type: "nats", nats: { url, prefix } } } }).config!;
}

const brokers: Record<EngineWithRole<"broker">, () => Promise<Broker>> = {
  memory: async () => createMemoryBroker(),
  redis: async () => createRedisBroker(new RedisShards((await configFor("redis")).engine.redis, log), log),
  nats: async () => createNatsBroker(new NatsClient((await configFor("nats")).broker.nats, log), log),
  postgres: async () => createPostgresBroker((await configFor("postgres")).broker.postgres, log),
};

const presences: Record<EngineWithRole<"presence">, () => Promise<PresenceManager>> = {
  memory: async () => createMemoryPresence(),
  redis: async () => {
    const shards = new RedisShards((await configFor("redis")).engine.redis, log);
    const m = createRedisPresence(shards, { ttl: 60_000, userMapping: true });
    await m.start();
    return m;
  },
};

/** The engines that link nodes: their broker carries control, or they are a controller of their own. */
type Linking = {
  [K in EngineName]: (typeof engineKinds)[K]["brokerControls"] extends true
    ? K
    : "controller" extends (typeof engineKinds)[K]["roles"][number]
      ? K
      : never;
}[EngineName];

/** A fresh cluster of each: one prefix, any number of controllers on it. */
const controllers: Record<Linking, () => Promise<() => Controller>> = {
  redis: async () => {
    const redis = (await configFor("redis")).engine.redis;
    return () => createRedisController(new RedisShards(redis, log));
  },
  nats: async () => {
    const nats = (await configFor("nats")).broker.nats;
    return () => createNatsController(new NatsClient(nats, log));
  },
  postgres: async () => {
    const pg = (await configFor("postgres-controller")).controller.postgres;
    return () => createPostgresController(pg, log);
  },
};

/** The shortest time to live each engine counts in: Redis counts whole seconds. */
const ttlUnitMs: Record<EngineWithRole<"broker">, number> = {
  memory: 20,
  redis: 1000,
  nats: 20,
  postgres: 1000,
};

for (const name of enginesWithRole("broker")) {
  brokerContract(name, brokers[name], engineKinds[name].broker, { ttlUnitMs: ttlUnitMs[name] });
}
for (const name of enginesWithRole("presence")) presenceContract(name, presences[name]);
for (const name of Object.keys(controllers) as Linking[]) controllerContract(name, controllers[name]);
