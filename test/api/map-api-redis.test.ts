import { after } from "node:test";
import { type RedisProcess, startRedis } from "../helpers/redis-servers.js";
import { mapApiCases } from "./map-api-cases.js";

let redis: RedisProcess | undefined;
after(() => redis?.stop());

mapApiCases(
  "Redis map broker",
  async () => {
    redis = await startRedis();
    return { map_broker: { type: "redis", redis: { address: redis.url } } };
  },
  { exactTrim: false },
);
