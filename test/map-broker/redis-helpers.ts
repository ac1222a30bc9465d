import pino from "pino";
import { loadConfig } from "../../src/config/load.js";
import {
  createRedisMapBroker,
  type RedisMapBrokerOptions,
} from "../../src/map-broker/redis/redis-map-broker.js";
import type { MapBroker, MapBrokerEventHandler } from "../../src/map-broker/types.js";
import { RedisShards } from "../../src/redis/redis-shards.js";
import { testChannels, testCleanupIntervalMs } from "./contract.js";

const log = pino({ level: "silent" });

/** A started Redis map broker on the given addresses (several = client-side shards), with the test channels. */
export async function startRedisMapBroker(
  addresses: string[],
  handler: MapBrokerEventHandler,
  o: Partial<RedisMapBrokerOptions> & { prefix?: string; redis?: Record<string, unknown> } = {},
): Promise<MapBroker> {
  const loaded = loadConfig({
    object: {
      engine: { type: "redis", redis: { address: addresses, prefix: o.prefix ?? "centrifugo", ...o.redis } },
    },
  });
  if (!loaded.config) throw new Error(`bad test config: ${JSON.stringify(loaded)}`);
  const config = loaded.config;
  const broker = createRedisMapBroker(
    new RedisShards(config.engine.redis, log),
    { channels: testChannels, cleanupIntervalMs: testCleanupIntervalMs, ...o },
    log,
  );
  await broker.start(handler);
  return broker;
}
