import type { Logger } from "pino";
import { createMemoryBroker } from "../broker/memory/memory-broker.js";
import type { PostgresBrokerReport } from "../broker/postgres/postgres-broker.js";
import type { PubSubReport } from "../broker/redis/redis-broker.js";
import type { RedisConnectionConfig, RedisPresenceConfig } from "../config/engine-schema.js";
import type { Config } from "../config/schema.js";
import { createMemoryController } from "../controller/memory/memory-controller.js";
import type { Broker } from "../core/broker.js";
import type { Controller } from "../core/controller.js";
import type { EngineWithRole } from "../core/engines.js";
import type { PresenceManager } from "../core/presence-manager.js";
import { createMemoryMapBroker } from "../map-broker/memory/memory-map-broker.js";
import type { MapBroker, MapChannelResolver, MapCleanupObserver } from "../map-broker/types.js";
import { createMemoryPresence } from "../presence/memory/memory-presence.js";
import type { RedisShards } from "../redis/redis-shards.js";

/** The three parts a node runs on: publications and history, presence, node-to-node control. */
export interface Engine {
  readonly broker: Broker;
  readonly presence: PresenceManager;
  /**
   * Comes with the broker (the nodes that share a broker are the ones to
   * talk to), or from an enabled `controller` section, which replaces it.
   */
  readonly controller: Controller;
}

/** Where brokers report what the metrics count: Redis PUB/SUB errors, PostgreSQL upkeep. */
export interface EngineReports {
  readonly pubSub?: PubSubReport | undefined;
  readonly postgres?: PostgresBrokerReport | undefined;
}

/**
 * What a factory builds parts with: the config, the log, and the connections parts on one config section share.
 * Factories import their engine's modules when called, so a server on the memory engine never loads the
 * Redis or NATS clients.
 */
interface EngineContext {
  readonly config: Config;
  readonly log: Logger;
  readonly reports: EngineReports;
  /** The connection object of a config section, made once: parts configured with the same section share it. */
  shared<T>(section: object, open: () => Promise<T>): Promise<T>;
}

type BrokerFactory = (ctx: EngineContext, redis: RedisConnectionConfig) => Promise<Omit<Engine, "presence">>;
type PresenceFactory = (ctx: EngineContext, redis: RedisPresenceConfig) => Promise<PresenceManager>;
type ControllerFactory = (ctx: EngineContext) => Promise<Controller>;

const redisShards = (ctx: EngineContext, redis: RedisConnectionConfig): Promise<RedisShards> =>
  ctx.shared(redis, async () => {
    const { RedisShards } = await import("../redis/redis-shards.js");
    return new RedisShards(redis, ctx.log);
  });

/** How each engine that can be the broker builds it and its controller (one entry per engine of the registry). */
const brokers: Record<EngineWithRole<"broker">, BrokerFactory> = {
  memory: async () => ({ broker: createMemoryBroker(), controller: createMemoryController() }),
  redis: async (ctx, redis) => {
    const [{ createRedisBroker }, { createRedisController }, shards] = await Promise.all([
      import("../broker/redis/redis-broker.js"),
      import("../controller/redis/redis-controller.js"),
      redisShards(ctx, redis),
    ]);
    return {
      broker: createRedisBroker(shards, ctx.log, ctx.reports.pubSub),
      controller: createRedisController(shards),
    };
  },
  nats: async (ctx) => {
    const nats = ctx.config.broker.nats;
    const [{ createNatsBroker }, { createNatsController }, client] = await Promise.all([
      import("../broker/nats/nats-broker.js"),
      import("../controller/nats/nats-controller.js"),
      ctx.shared(nats, async () => {
        const { NatsClient } = await import("../nats/nats-client.js");
        return new NatsClient(nats, ctx.log);
      }),
    ]);
    return { broker: createNatsBroker(client, ctx.log), controller: createNatsController(client) };
  },
  // Centrifugo's PostgreSQL broker is no controller: without `controller.type: postgres` commands stay on each node.
  postgres: async (ctx) => {
    const { createPostgresBroker } = await import("../broker/postgres/postgres-broker.js");
    return {
      broker: createPostgresBroker(ctx.config.broker.postgres, ctx.log, ctx.reports.postgres),
      controller: createMemoryController(),
    };
  },
};

/** How each engine that can hold presence builds its presence manager. */
const presences: Record<EngineWithRole<"presence">, PresenceFactory> = {
  memory: async () => createMemoryPresence(),
  redis: async (ctx, redis) => {
    const [{ createRedisPresence }, shards] = await Promise.all([
      import("../presence/redis/redis-presence.js"),
      redisShards(ctx, redis),
    ]);
    return createRedisPresence(shards, {
      ttl: redis.presence_ttl,
      userMapping: redis.presence_user_mapping,
    });
  },
};

/** How each engine that can be the controller on its own (`controller.type`) builds it. */
const controllers: Record<EngineWithRole<"controller">, ControllerFactory> = {
  postgres: async (ctx) => {
    const { createPostgresController } = await import("../controller/postgres/postgres-controller.js");
    return createPostgresController(ctx.config.controller.postgres, ctx.log);
  },
};

/**
 * The broker, presence manager and controller the config asks for, in
 * Centrifugo's composition: `engine.type` picks both halves, an enabled
 * `broker` or `presence_manager` replaces its half (NATS only as a broker,
 * so presence then comes from the engine: memory, or Redis for a cluster);
 * an enabled `controller` carries node-to-node control instead of the
 * broker (PostgreSQL's broker carries none). Parts configured with the same Redis section share its connections; the
 * NATS broker and its controller share one NATS connection. Rejects on an
 * unusable address.
 */
export async function createEngine(
  config: Config,
  log: Logger,
  reports: EngineReports = {},
): Promise<Engine> {
  const connections = new Map<object, Promise<unknown>>();
  const ctx: EngineContext = {
    config,
    log,
    reports,
    shared<T>(section: object, open: () => Promise<T>): Promise<T> {
      if (!connections.has(section)) connections.set(section, open());
      return connections.get(section) as Promise<T>;
    },
  };
  const { engine, broker: b, presence_manager: p } = config;
  const presence = await (p.enabled
    ? presences[p.type](ctx, p.redis)
    : presences[engine.type](ctx, engine.redis));
  const parts = await (b.enabled ? brokers[b.type](ctx, b.redis) : brokers[engine.type](ctx, engine.redis));
  const c = config.controller;
  if (!c.enabled) return { ...parts, presence };
  // The broker's own controller is left unstarted: it has opened nothing.
  return { ...parts, presence, controller: await controllers[c.type as EngineWithRole<"controller">](ctx) };
}

/** Builds the map broker once the node says which channels are maps. */
export type MapBrokerFactory = (channels: MapChannelResolver) => MapBroker;

/** Where map brokers report what the metrics count: key expiry, and the PostgreSQL broker's upkeep. */
export interface MapBrokerReports {
  readonly cleanup?: MapCleanupObserver | undefined;
  readonly postgres?: PostgresBrokerReport | undefined;
}

/**
 * How to build the map broker `map_broker` names: the in-process memory
 * broker (the default), or Redis or PostgreSQL on connections of its own, as
 * Centrifugo opens them; their modules are loaded only then.
 */
export async function mapBrokerFactory(
  config: Config,
  log: Logger,
  reports: MapBrokerReports = {},
): Promise<MapBrokerFactory> {
  const m = config.map_broker;
  const { cleanup } = reports;
  if (m.type === "memory") return (channels) => createMemoryMapBroker({ channels, cleanup });
  if (m.type === "postgres") {
    const { createPostgresMapBroker } = await import("../map-broker/postgres/postgres-map-broker.js");
    return (channels) =>
      createPostgresMapBroker(m.postgres, { channels, cleanup, report: reports.postgres }, log);
  }
  const [{ createRedisMapBroker }, { RedisShards }] = await Promise.all([
    import("../map-broker/redis/redis-map-broker.js"),
    import("../redis/redis-shards.js"),
  ]);
  return (channels) =>
    createRedisMapBroker(
      new RedisShards(m.redis, log),
      {
        channels,
        cleanupIntervalMs: m.redis.cleanup_interval || 1000,
        cleanupBatchSize: m.redis.cleanup_batch_size || 100,
        idempotentResultTtlMs: m.redis.idempotent_result_ttl || 300_000,
        skipPubSub: m.redis.skip_pub_sub,
        cleanup,
      },
      log,
    );
}
