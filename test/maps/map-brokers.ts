import { type RedisProcess, startRedis } from "../helpers/redis-servers.js";

/** The map brokers every client-side map suite runs on. */
export const mapBrokerKinds = ["memory", "redis"] as const;
export type MapBrokerKind = (typeof mapBrokerKinds)[number];

let redis: Promise<RedisProcess> | undefined;
let servers = 0;

/**
 * The `map_broker` section of a test server: memory, or a redis-server of
 * this test file's own (started on first use), each server under its own prefix.
 */
export async function mapBrokerConfig(kind: MapBrokerKind): Promise<Record<string, unknown>> {
  if (kind === "memory") return {};
  redis ??= startRedis();
  const { url } = await redis;
  servers += 1;
  return { type: "redis", redis: { address: url, prefix: `maps${process.pid}s${servers}` } };
}

/** Stops the Redis server, when a suite started one. */
export async function stopMapBrokers(): Promise<void> {
  if (redis) await (await redis).stop();
}
