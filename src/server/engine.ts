import type { Logger } from "pino";
import { createMemoryBroker } from "../broker/memory/memory-broker.js";
import { createNatsBroker } from "../broker/nats/nats-broker.js";
import { createPostgresBroker, type PostgresBrokerReport } from "../broker/postgres/postgres-broker.js";
import { createRedisBroker, type PubSubReport } from "../broker/redis/redis-broker.js";
import type { RedisConnectionConfig, RedisPresenceConfig } from "../config/engine-schema.js";
import type { Config } from "../config/schema.js";
import { createMemoryController } from "../controller/memory/memory-controller.js";
import { createNatsController } from "../controller/nats/nats-controller.js";
import { createRedisController } from "../controller/redis/redis-controller.js";
import type { Broker } from "../core/broker.js";
import type { Controller } from "../core/controller.js";
import type { EngineWithRole } from "../core/engines.js";
import type { PresenceManager } from "../core/presence-manager.js";
import { createMemoryMapBroker } from "../map-broker/memory/memory-map-broker.js";
import { createRedisMapBroker } from "../map-broker/redis/redis-map-broker.js";
import type { MapBroker, MapChannelResolver } from "../map-broker/types.js";
import { NatsClient } from "../nats/nats-client.js";
import { createMemoryPresence } from "../presence/memory/memory-presence.js";
import { createRedisPresence } from "../presence/redis/redis-presence.js";
import { RedisShards } from "../redis/redis-shards.js";

/** The three parts a node runs on: publications and history, presence, node-to-node control. */
export interface Engine {
  readonly broker: Broker;
  readonly presence: PresenceManager;
  /** Comes with the broker: the nodes that share a broker are the ones to talk to. */
  readonly controller: Controller;
}

/** Where brokers report what the metrics count: Redis PUB/SUB errors, PostgreSQL upkeep. */
export interface EngineReports {
  readonly pubSub?: PubSubReport | undefined;
  readonly postgres?: PostgresBrokerReport | undefined;
}

/** What a factory builds parts with: the config, the log, and the connections parts on one config section share. */
interface EngineContext {
  readonly config: Config;
  readonly log: Logger;
  readonly reports: EngineReports;
  /** The connection object of a config section, made once: parts configured with the same section share it. */
  shared<T>(section: object, open: () => T): T;
}

type BrokerFactory = (ctx: EngineContext, redis: RedisConnectionConfig) => Omit<Engine, "presence">;
type PresenceFactory = (ctx: EngineContext, redis: RedisPresenceConfig) => PresenceManager;

const redisShards = (ctx: EngineContext, redis: RedisConnectionConfig) =>
  ctx.shared(redis, () => new RedisShards(redis, ctx.log));

/** How each engine that can be the broker builds it and its controller (one entry per engine of the registry). */
const brokers: Record<EngineWithRole<"broker">, BrokerFactory> = {
  memory: () => ({ broker: createMemoryBroker(), controller: createMemoryController() }),
  redis: (ctx, redis) => {
    const shards = redisShards(ctx, redis);
    return {
      broker: createRedisBroker(shards, ctx.log, ctx.reports.pubSub),
      controller: createRedisController(shards),
    };
  },
  nats: (ctx) => {
    const nats = ctx.config.broker.nats;
    const client = ctx.shared(nats, () => new NatsClient(nats, ctx.log));
    return { broker: createNatsBroker(client, ctx.log), controller: createNatsController(client) };
  },
  // Centrifugo's PostgreSQL broker is no controller: node-to-node commands stay on each node.
  postgres: (ctx) => ({
    broker: createPostgresBroker(ctx.config.broker.postgres, ctx.log, ctx.reports.postgres),
    controller: createMemoryController(),
  }),
};

/** How each engine that can hold presence builds its presence manager. */
const presences: Record<EngineWithRole<"presence">, PresenceFactory> = {
  memory: () => createMemoryPresence(),
  redis: (ctx, redis) =>
    createRedisPresence(redisShards(ctx, redis), {
      ttl: redis.presence_ttl,
      userMapping: redis.presence_user_mapping,
    }),
};

/**
 * The broker, presence manager and controller the config asks for, in
 * Centrifugo's composition: `engine.type` picks both halves, an enabled
 * `broker` or `presence_manager` replaces its half (NATS only as a broker,
 * so presence then comes from the engine: memory, or Redis for a cluster).
 * Parts configured with the same Redis section share its connections; the
 * NATS broker and its controller share one NATS connection. Throws on an
 * unusable address.
 */
export function createEngine(config: Config, log: Logger, reports: EngineReports = {}): Engine {
  const connections = new Map<object, unknown>();
  const ctx: EngineContext = {
    config,
    log,
    reports,
    shared<T>(section: object, open: () => T): T {
      if (!connections.has(section)) connections.set(section, open());
      return connections.get(section) as T;
    },
  };
  const { engine, broker: b, presence_manager: p } = config;
  const presence = p.enabled ? presences[p.type](ctx, p.redis) : presences[engine.type](ctx, engine.redis);
  const parts = b.enabled ? brokers[b.type](ctx, b.redis) : brokers[engine.type](ctx, engine.redis);
  return { ...parts, presence };
}

/**
 * The map broker `map_broker` names: the in-process memory broker (the
 * default), or Redis on connections of its own, as Centrifugo opens them.
 * `channels` tells it which channels are maps and how each keeps its keys.
 */
export function createMapBroker(config: Config, channels: MapChannelResolver, log: Logger): MapBroker {
  const m = config.map_broker;
  if (m.type === "memory") return createMemoryMapBroker({ channels });
  return createRedisMapBroker(
    new RedisShards(m.redis, log),
    {
      channels,
      cleanupIntervalMs: m.redis.cleanup_interval || 1000,
      cleanupBatchSize: m.redis.cleanup_batch_size || 100,
      idempotentResultTtlMs: m.redis.idempotent_result_ttl || 300_000,
      skipPubSub: m.redis.skip_pub_sub,
    },
    log,
  );
}
