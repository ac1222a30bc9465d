import { after } from "node:test";
import { type RedisProcess, startRedis } from "../helpers/redis-servers.js";
import { mapBrokerContract } from "./contract.js";
import { startRedisMapBroker } from "./redis-helpers.js";

let redis: Promise<RedisProcess> | undefined;
after(async () => (await redis)?.stop());

mapBrokerContract("redis", async (handler) => {
  redis ??= startRedis();
  return startRedisMapBroker([(await redis).url], handler);
});
