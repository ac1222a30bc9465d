import type { Logger } from "pino";
import { createMemoryBroker } from "../broker/memory/memory-broker.js";
import { createNatsBroker } from "../broker/nats/nats-broker.js";
import { createRedisBroker } from "../broker/redis/redis-broker.js";
import type { Broker } from "../broker/types.js";
import type { RedisConnectionConfig } from "../config/engine-schema.js";
import type { Config } from "../config/schema.js";
import { createMemoryController } from "../controller/memory/memory-controller.js";
import { createNatsController } from "../controller/nats/nats-controller.js";
import { createRedisController } from "../controller/redis/redis-controller.js";
import type { Controller } from "../controller/types.js";
import { NatsClient } from "../nats/nats-client.js";
import { createMemoryPresence } from "../presence/memory/memory-presence.js";
import { createRedisPresence } from "../presence/redis/redis-presence.js";
import type { PresenceManager } from "../presence/types.js";
import { RedisShards } from "../redis/redis-shards.js";

/** The three parts a node runs on: publications and history, presence, node-to-node control. */
export interface Engine {
  readonly broker: Broker;
  readonly presence: PresenceManager;
  /** Comes with the broker: the nodes that share a broker are the ones to talk to. */
  readonly controller: Controller;
}

/**
 * The broker, presence manager and controller the config asks for, in
 * Centrifugo's composition: `engine.type` picks both halves, an enabled
 * `broker` or `presence_manager` replaces its half (NATS only as a broker,
 * so presence then comes from the engine: memory, or Redis for a cluster).
 * Parts configured with the same Redis section share its connections; the
 * NATS broker and its controller share one NATS connection. Throws on an
 * unusable address.
 */
export function createEngine(config: Config, log: Logger): Engine {
  const shardSets = new Map<RedisConnectionConfig, RedisShards>();
  const shardsFor = (redis: RedisConnectionConfig) => {
    let shards = shardSets.get(redis);
    if (!shards) {
      shards = new RedisShards(redis, log);
      shardSets.set(redis, shards);
    }
    return shards;
  };
  const { engine, broker: b, presence_manager: p } = config;
  const brokerType = b.enabled ? b.type : engine.type;
  const brokerRedis = b.enabled ? b.redis : engine.redis;
  const presenceType = p.enabled ? p.type : engine.type;
  const presenceRedis = p.enabled ? p.redis : engine.redis;

  const presence =
    presenceType === "redis"
      ? createRedisPresence(shardsFor(presenceRedis), {
          ttl: presenceRedis.presence_ttl,
          userMapping: presenceRedis.presence_user_mapping,
        })
      : createMemoryPresence();
  if (brokerType === "redis") {
    const shards = shardsFor(brokerRedis);
    return { broker: createRedisBroker(shards, log), presence, controller: createRedisController(shards) };
  }
  if (brokerType === "nats") {
    const client = new NatsClient(b.nats, log);
    return { broker: createNatsBroker(client, log), presence, controller: createNatsController(client) };
  }
  return { broker: createMemoryBroker(), presence, controller: createMemoryController() };
}
