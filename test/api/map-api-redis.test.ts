import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { type RedisProcess, startRedis, waitUntil } from "../helpers/redis-servers.js";
import { startTestServer } from "../helpers/server.js";
import { call } from "./http-json-fixtures.js";
import { mapApiCases } from "./map-api-cases.js";
import { mapNamespaces } from "./map-api-fixtures.js";

const redises: RedisProcess[] = [];
after(() => Promise.all(redises.map((r) => r.stop())));

async function redisMapBroker(): Promise<Record<string, unknown>> {
  const redis = await startRedis();
  redises.push(redis);
  return { map_broker: { type: "redis", redis: { address: redis.url } } };
}

mapApiCases("Redis map broker", redisMapBroker, { exactTrim: false });

describe("map API while the map broker's Redis is away", () => {
  test("every method answers 100 while Redis is down and works again once it is back", async () => {
    const redis = await startRedis();
    redises.push(redis);
    const srv = await startTestServer({
      map_broker: { type: "redis", redis: { address: redis.url } },
      channel: { namespaces: mapNamespaces },
    });
    try {
      const channel = "board:outage";
      assert.equal((await call(srv, "map_publish", { channel, key: "k", data: { n: 1 } })).status, 200);
      await redis.kill();
      const internal = { error: { code: 100, message: "internal server error" } };
      const requests: [string, unknown][] = [
        ["map_publish", { channel, key: "k", data: { n: 2 } }],
        ["map_remove", { channel, key: "k" }],
        ["map_read_state", { channel, limit: -1 }],
        ["map_read_stream", { channel, limit: -1 }],
        ["map_stats", { channel }],
        ["map_clear", { channel }],
      ];
      for (const [method, request] of requests) {
        assert.deepEqual((await call(srv, method, request)).json, internal, method);
      }
      await redis.restart();
      const rewrite = () => call(srv, "map_publish", { channel, key: "k", data: { n: 3 } });
      await waitUntil(
        "a map write to reach Redis again",
        async () => "result" in ((await rewrite()).json as object),
      );
      assert.deepEqual((await call(srv, "map_stats", { channel })).json, { result: { num_keys: 1 } });
    } finally {
      await srv.close();
    }
  });
});
