import { after, describe } from "node:test";
import { type RedisProcess, startRedis } from "../helpers/redis-servers.js";
import { mapApiCases } from "./map-api-cases.js";
import { mapApiOutageCase } from "./map-api-outage.js";

const redises: RedisProcess[] = [];
after(() => Promise.all(redises.map((r) => r.stop())));

async function redisMapBroker(): Promise<Record<string, unknown>> {
  const redis = await startRedis();
  redises.push(redis);
  return { map_broker: { type: "redis", redis: { address: redis.url } } };
}

mapApiCases("Redis map broker", redisMapBroker, { exactTrim: false });

describe("map API while the map broker's Redis is away", () => {
  mapApiOutageCase("Redis", async () => {
    const redis = await startRedis();
    redises.push(redis);
    return {
      mapBroker: { type: "redis", redis: { address: redis.url } },
      kill: () => redis.kill(),
      restart: () => redis.restart(),
    };
  });
});
