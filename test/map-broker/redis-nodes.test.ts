import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { Redis } from "ioredis";
import pino from "pino";
import { loadConfig } from "../../src/config/load.js";
import { createRedisMapBroker } from "../../src/map-broker/redis/redis-map-broker.js";
import { mapFindExpired, mapRemoveExpired } from "../../src/map-broker/redis/scripts.js";
import type { MapBroker } from "../../src/map-broker/types.js";
import { shardIndex } from "../../src/redis/jump-hash.js";
import { RedisShards } from "../../src/redis/redis-shards.js";
import {
  type RedisProcess,
  startRedis,
  startRedisCluster,
  startSentinelSetup,
  waitUntil,
} from "../helpers/redis-servers.js";
import { recorder, testChannels } from "./contract.js";
import { startRedisMapBroker } from "./redis-helpers.js";

const bytes = (s: string) => Buffer.from(s);
const log = pino({ level: "silent" });

/** Brokers and servers a test started, closed after it. */
function scope() {
  const brokers: MapBroker[] = [];
  const servers: RedisProcess[] = [];
  const clients: Redis[] = [];
  const keep =
    <T>(list: T[]) =>
    (item: T) => {
      list.push(item);
      return item;
    };
  return {
    broker: keep(brokers),
    server: keep(servers),
    client: keep(clients),
    async close() {
      await Promise.all(brokers.map((b) => b.close()));
      for (const c of clients) c.disconnect();
      await Promise.all(servers.map((r) => r.stop()));
    },
  };
}

/** Script runs on a Redis so far (EVALSHA and EVAL). */
async function scriptCalls(raw: Redis): Promise<number> {
  const info = await raw.info("commandstats");
  let calls = 0;
  for (const match of info.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)) calls += Number(match[1]);
  return calls;
}

describe("redis map broker: nodes, shards, expiry, failures", () => {
  const s = scope();
  after(() => s.close());

  test("two brokers on one Redis see each other's changes and state", async () => {
    const redis = s.server(await startRedis());
    const a = recorder();
    const b = recorder();
    const nodeA = s.broker(await startRedisMapBroker([redis.url], a.handler));
    const nodeB = s.broker(await startRedisMapBroker([redis.url], b.handler));
    await nodeA.subscribe(["rec:shared"]);
    await nodeB.subscribe(["rec:shared"]);
    await nodeB.publish("rec:shared", "k", { data: bytes("from B") });
    await nodeA.publish("rec:shared", "j", { data: bytes("from A") });
    for (const node of [a, b]) {
      const got = await node.wait("rec:shared", 2);
      assert.deepEqual(
        got.map((d) => [d.pub.key, d.position.offset]),
        [
          ["k", 1],
          ["j", 2],
        ],
      );
    }
    const state = await nodeA.readState("rec:shared", { limit: -1 });
    assert.deepEqual(state.publications.map((p) => p.key).sort(), ["j", "k"]);
    await nodeA.unsubscribe(["rec:shared"]);
    await nodeB.publish("rec:shared", "after", { data: bytes("x") });
    await b.wait("rec:shared", 3);
    assert.equal(a.of("rec:shared").length, 2, "an unsubscribed node receives nothing more");
  });

  test("client-side sharding puts each channel on its shard and delivers from both", async () => {
    const shards = [s.server(await startRedis()), s.server(await startRedis())];
    const urls = shards.map((r) => r.url);
    const channels: string[] = [];
    for (let i = 0; channels.length < 2; i++) {
      const ch = `rec:shard${i}`;
      if (shardIndex(ch, 2) === channels.length) channels.push(ch);
    }
    const a = recorder();
    const b = recorder();
    const nodeA = s.broker(await startRedisMapBroker(urls, a.handler));
    const nodeB = s.broker(await startRedisMapBroker(urls, b.handler));
    await nodeA.subscribe(channels);
    for (const ch of channels) await nodeB.publish(ch, "k", { data: bytes(ch) });
    for (const [i, ch] of channels.entries()) {
      const [d] = await a.wait(ch, 1);
      assert.equal(Buffer.from(d!.pub.data).toString(), ch);
      assert.equal(await shards[i]!.cli("hexists", `centrifugo:state:${ch}`, "k"), "1");
      assert.equal(await shards[1 - i]!.cli("exists", `centrifugo:state:${ch}`), "0");
      assert.equal((await nodeA.readState(ch, { key: "k", limit: 1 })).publications.length, 1);
    }
  });

  test("expired keys are removed by one node: removals published, keys and registration gone", async () => {
    const redis = s.server(await startRedis());
    const raw = s.client(new Redis(redis.url));
    const a = recorder();
    const nodeA = s.broker(await startRedisMapBroker([redis.url], a.handler));
    s.broker(await startRedisMapBroker([redis.url], recorder().handler));
    await nodeA.subscribe(["short:exp"]);
    await Promise.all(["k1", "k2", "k3"].map((key) => nodeA.publish("short:exp", key, { data: bytes(key) })));
    await waitUntil(
      "three removals",
      async () => a.of("short:exp").filter((d) => d.pub.removed).length >= 3,
      5000,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const removals = a.of("short:exp").filter((d) => d.pub.removed);
    assert.deepEqual(
      removals.map((d) => d.pub.key).sort(),
      ["k1", "k2", "k3"],
      "each key removed exactly once",
    );
    assert.deepEqual(
      removals.map((d) => d.position.offset),
      [4, 5, 6],
    );
    assert.equal(await raw.hlen("centrifugo:state:short:exp"), 0);
    assert.equal(await raw.zcard("centrifugo:state:expire:short:exp"), 0);
    assert.equal(await raw.zscore("centrifugo:cleanup:channels", "short:exp"), null);
  });

  test("a stale registration costs one visit, not a loop: script calls stay flat while keys are not due", async () => {
    const redis = s.server(await startRedis());
    const raw = s.client(new Redis(redis.url));
    const node = s.broker(await startRedisMapBroker([redis.url], recorder().handler));
    await node.publish("rec:live", "k", { data: bytes("1") });
    const realExpiry = await raw.zscore("centrifugo:state:expire:rec:live", "k");
    // As a Go node leaves them: an early score after a refresh, a score for a channel whose keys were removed.
    await raw.zadd(
      "centrifugo:cleanup:channels",
      Date.now() - 5000,
      "rec:live",
      Date.now() - 5000,
      "rec:emptied",
    );
    // Loaded up front, so a first run's NOSCRIPT round trip does not count.
    for (const script of [mapFindExpired, mapRemoveExpired]) await raw.script("LOAD", script.source);
    const start = await scriptCalls(raw);
    await waitUntil(
      "registrations settled",
      async () =>
        (await raw.zscore("centrifugo:cleanup:channels", "rec:live")) === realExpiry &&
        (await raw.zscore("centrifugo:cleanup:channels", "rec:emptied")) === null,
      5000,
    );
    const settled = await scriptCalls(raw);
    // Each stale channel: one find and one settle; INFO itself is not a script.
    assert.ok(settled - start <= 4, `${settled - start} script calls to settle`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(await scriptCalls(raw), settled, "ten more cycles ran no script");
    assert.equal(await raw.hexists("centrifugo:state:rec:live", "k"), 1);
  });

  test("Redis killed mid-publish: every write settles with an error, none hangs", async () => {
    const redis = s.server(await startRedis());
    const node = s.broker(
      await startRedisMapBroker([redis.url], recorder().handler, { redis: { io_timeout: "1s" } }),
    );
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 200; i++) {
      writes.push(node.publish("rec:dying", `k${i}`, { data: bytes("x") }));
      if (i === 50) void redis.kill();
    }
    const late = node.publish("rec:dying", "late", { data: bytes("x") });
    const deadline = new Promise((_, reject) => setTimeout(() => reject(new Error("a write hung")), 8000));
    const settled = await Promise.race([Promise.allSettled([...writes, late]), deadline]);
    const outcomes = settled as PromiseSettledResult<unknown>[];
    assert.ok(outcomes.some((o) => o.status === "rejected"));
    assert.equal(outcomes.at(-1)!.status, "rejected", "a write after the kill fails");
  });

  test("after Redis comes back the node is told of a possible gap and changes flow again", async () => {
    const redis = s.server(await startRedis());
    const rec = recorder();
    const node = s.broker(await startRedisMapBroker([redis.url], rec.handler));
    await node.subscribe(["per:back"]);
    await redis.kill();
    await redis.restart();
    await waitUntil("gap reported", async () => rec.gaps.some((g) => g.includes("per:back")), 10_000);
    await waitUntil(
      "write accepted",
      () =>
        node.publish("per:back", "k", { data: bytes("1") }).then(
          () => true,
          () => false,
        ),
      10_000,
    );
    const [d] = await rec.wait("per:back", 1);
    assert.equal(d!.pub.key, "k");
  });

  test("a Redis Cluster is refused at start, as Centrifugo refuses it", async () => {
    const cluster = await startRedisCluster();
    const loaded = loadConfig({
      object: { engine: { type: "redis", redis: { address: cluster.nodes[0]!.url } } },
    });
    const broker = createRedisMapBroker(
      new RedisShards(loaded.config!.engine.redis, log),
      { channels: testChannels },
      log,
    );
    try {
      await assert.rejects(broker.start(recorder().handler), /redis cluster requires sharded PUB\/SUB/);
    } finally {
      await broker.close();
      await cluster.stop();
    }
  });

  test("through Sentinel: writes, reads and deliveries", async () => {
    const setup = await startSentinelSetup();
    try {
      const address = `redis+sentinel://127.0.0.1:${setup.sentinels[0]!.port}?sentinel_master_name=mymaster`;
      const rec = recorder();
      const node = await startRedisMapBroker([address], rec.handler);
      try {
        await node.subscribe(["rec:sentinel"]);
        const result = await node.publish("rec:sentinel", "k", { data: bytes("via sentinel") });
        assert.equal(result.position.offset, 1);
        await rec.wait("rec:sentinel", 1);
        assert.equal(await setup.primary.cli("hexists", "centrifugo:state:rec:sentinel", "k"), "1");
      } finally {
        await node.close();
      }
    } finally {
      await setup.stop();
    }
  });
});
