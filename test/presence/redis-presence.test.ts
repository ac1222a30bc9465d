import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import pino from "pino";
import { loadConfig } from "../../src/config/load.js";
import type { PresenceManager } from "../../src/core/presence-manager.js";
import { createRedisPresence } from "../../src/presence/redis/redis-presence.js";
import { RedisShards } from "../../src/redis/redis-shards.js";
import { type RedisProcess, startRedis } from "../helpers/redis-servers.js";

let redis: RedisProcess;
const managers: PresenceManager[] = [];
before(async () => {
  redis = await startRedis();
});
after(async () => {
  for (const m of managers) await m.close();
  await redis?.stop();
});

async function presence(prefix: string, userMapping: boolean): Promise<PresenceManager> {
  const { config } = loadConfig({
    object: { engine: { type: "redis", redis: { address: redis.url, prefix } } },
  });
  const m = createRedisPresence(new RedisShards(config!.engine.redis, pino({ level: "silent" })), {
    ttl: 60_000,
    userMapping,
  });
  await m.start();
  managers.push(m);
  return m;
}

for (const userMapping of [false, true]) {
  test(`presence and stats ${userMapping ? "with" : "without"} user mapping, in Centrifugo's keys`, async () => {
    const prefix = userMapping ? "mapped" : "plain";
    const m = await presence(prefix, userMapping);
    await m.addPresence("ch", "c1", { user: "u1", client: "c1" });
    await m.addPresence("ch", "c2", { user: "u1", client: "c2" });
    await m.addPresence("ch", "c3", { user: "u2", client: "c3", connInfo: Buffer.from('{"a":1}') });
    await m.addPresence("ch", "c3", { user: "u2", client: "c3", connInfo: Buffer.from('{"a":1}') });
    assert.deepEqual(await m.presenceStats("ch"), { numClients: 3, numUsers: 2 });
    assert.deepEqual([...(await m.presence("ch")).keys()].sort(), ["c1", "c2", "c3"]);
    assert.equal(Buffer.from((await m.presence("ch")).get("c3")!.connInfo!).toString(), '{"a":1}');
    await m.removePresence("ch", "c1", "u1");
    await m.removePresence("ch", "c3", "u2");
    assert.deepEqual(await m.presenceStats("ch"), { numClients: 1, numUsers: 1 });
    assert.equal(await redis.cli("hlen", `${prefix}.presence.data.ch`), "1");
    assert.equal(await redis.cli("zcard", `${prefix}.presence.expire.ch`), "1");
    assert.equal(await redis.cli("exists", `${prefix}.presence.user.clients.ch`), userMapping ? "1" : "0");
    if (userMapping) assert.equal(await redis.cli("hget", `${prefix}.presence.user.clients.ch`, "u1"), "1");
  });
}

test("an entry that is not refreshed is gone once its expiry passes", async () => {
  const m = await presence("expiry", true);
  await m.addPresence("ch", "c1", { user: "u1", client: "c1" });
  // What a crashed node leaves: an entry whose expiry time has passed.
  await redis.cli("zadd", "expiry.presence.expire.ch", "1", "c1");
  await redis.cli("zadd", "expiry.presence.user.expire.ch", "1", "u1");
  assert.deepEqual(await m.presenceStats("ch"), { numClients: 0, numUsers: 0 });
  assert.deepEqual([...(await m.presence("ch")).keys()], []);
});
