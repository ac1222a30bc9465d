import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import pino from "pino";
import { createMemoryBroker } from "../../src/broker/memory/memory-broker.js";
import { createRedisBroker } from "../../src/broker/redis/redis-broker.js";
import { loadConfig } from "../../src/config/load.js";
import type { Broker, BrokerEventHandler, PublishOptions } from "../../src/core/broker.js";
import type { Publication, StreamPosition } from "../../src/core/publication.js";
import { RedisShards } from "../../src/redis/redis-shards.js";
import { type RedisProcess, startRedis, waitUntil } from "../helpers/redis-servers.js";
import { testEngine } from "../helpers/server.js";

const history = { historySize: 3, historyTtl: 60_000, historyMetaTtl: 3_600_000 } satisfies PublishOptions;
const bytes = (s: string) => new TextEncoder().encode(s);

let redis: Promise<RedisProcess> | undefined;
let brokers = 0;
after(async () => (await redis)?.stop());

/** The broker under test: memory, or Redis (its own prefix per broker) with ROTOR_TEST_ENGINE=redis. */
async function brokerUnderTest(): Promise<Broker> {
  if (testEngine === "memory") return createMemoryBroker();
  redis ??= startRedis();
  const { url } = await redis;
  brokers += 1;
  const { config } = loadConfig({
    object: { engine: { type: "redis", redis: { address: url, prefix: `b${brokers}` } } },
  });
  const log = pino({ level: "silent" });
  return createRedisBroker(new RedisShards(config!.engine.redis, log), log);
}

/**
 * A broker that records what it delivers, subscribed to `ch` (an async
 * broker delivers only what a node subscribed to); `delivered` waits until
 * a number of publications arrived.
 */
function recordingBroker() {
  const received: { channel: string; pub: Publication; position: StreamPosition; prev?: Publication }[] = [];
  const handler: BrokerEventHandler = {
    onPublication: (channel, pub, position, _delta, prev) => received.push({ channel, pub, position, prev }),
    onJoin: () => {},
    onLeave: () => {},
    onDeliveryGap: () => {},
  };
  return {
    /** Starts a fresh broker, subscribed to `ch`. */
    async start(): Promise<Broker> {
      const broker = await brokerUnderTest();
      await broker.start(handler);
      await broker.subscribe(["ch"]);
      return broker;
    },
    async delivered(count: number) {
      await waitUntil(`${count} deliveries`, async () => received.length >= count, 5000);
      return received;
    },
  };
}

const text = (pub: Publication) => Buffer.from(pub.data).toString();

describe(`broker (${testEngine})`, () => {
  test("publish with history assigns increasing offsets within one epoch and trims to history_size", async () => {
    const recorded = recordingBroker();
    const broker = await recorded.start();
    const results = [];
    for (let i = 1; i <= 5; i++) results.push(await broker.publish("ch", bytes(`${i}`), history));
    assert.deepEqual(
      results.map((r) => r.offset),
      [1, 2, 3, 4, 5],
    );
    assert.equal(new Set(results.map((r) => r.epoch)).size, 1);
    assert.deepEqual(
      (await recorded.delivered(5)).map((d) => d.position.offset),
      [1, 2, 3, 4, 5],
    );
    const all = await broker.history("ch", { limit: -1, reverse: false, metaTtl: 3_600_000 });
    assert.deepEqual(
      all.publications.map((p) => p.offset),
      [3, 4, 5],
    );
    assert.deepEqual(all.position, { offset: 5, epoch: results[0]!.epoch });
    await broker.close();
  });

  test("history reads after a position, in reverse, and with limits", async () => {
    const broker = await recordingBroker().start();
    for (let i = 1; i <= 5; i++) await broker.publish("ch", bytes(`${i}`), { ...history, historySize: 10 });
    const read = async (since: number | undefined, limit: number, reverse: boolean) =>
      (
        await broker.history("ch", {
          since: since === undefined ? undefined : { offset: since, epoch: "" },
          limit,
          reverse,
          metaTtl: 3_600_000,
        })
      ).publications.map((p) => p.offset);
    const cases: [number | undefined, number, boolean, number[]][] = [
      [undefined, 0, false, []],
      [undefined, 2, false, [1, 2]],
      [undefined, 2, true, [5, 4]],
      [2, -1, false, [3, 4, 5]],
      [2, 1, false, [3]],
      [4, -1, true, [3, 2, 1]],
      [4, 2, true, [3, 2]],
      [5, -1, false, []],
    ];
    for (const [since, limit, reverse, want] of cases) {
      assert.deepEqual(
        await read(since, limit, reverse),
        want,
        `since=${since} limit=${limit} reverse=${reverse}`,
      );
    }
    await broker.close();
  });

  test("an idempotency key publishes once and returns the first result again", async () => {
    const recorded = recordingBroker();
    const broker = await recorded.start();
    const a = await broker.publish("ch", bytes("x"), { ...history, idempotencyKey: "k" });
    const b = await broker.publish("ch", bytes("y"), { ...history, idempotencyKey: "k" });
    assert.deepEqual(a, b);
    await broker.publish("ch", bytes("z"), history);
    assert.deepEqual(
      (await recorded.delivered(2)).map((d) => text(d.pub)),
      ["x", "z"],
    );
    await broker.close();
  });

  test("a version not newer than the last is suppressed, a new version epoch resets it", async () => {
    const recorded = recordingBroker();
    const broker = await recorded.start();
    assert.equal((await broker.publish("ch", bytes("1"), { ...history, version: 2 })).suppressed, false);
    assert.equal((await broker.publish("ch", bytes("2"), { ...history, version: 2 })).suppressed, true);
    assert.equal((await broker.publish("ch", bytes("3"), { ...history, version: 1 })).suppressed, true);
    assert.equal(
      (await broker.publish("ch", bytes("4"), { ...history, version: 1, versionEpoch: "e2" })).suppressed,
      false,
    );
    await broker.publish("ch", bytes("5"), history);
    assert.deepEqual(
      (await recorded.delivered(3)).map((d) => text(d.pub)),
      ["1", "4", "5"],
    );
    await broker.close();
  });

  test("delta publishes carry the previous publication", async () => {
    const recorded = recordingBroker();
    const broker = await recorded.start();
    await broker.publish("ch", bytes("a"), { ...history, delta: true });
    await broker.publish("ch", bytes("b"), { ...history, delta: true });
    const [first, second] = await recorded.delivered(2);
    assert.equal(first!.prev, undefined);
    assert.equal(text(second!.prev!), "a");
    assert.equal(second!.prev!.offset, 1);
    await broker.close();
  });

  test("without history a publication is delivered with no position", async () => {
    const recorded = recordingBroker();
    const broker = await recorded.start();
    const r = await broker.publish("ch", bytes("x"), { historySize: 0, historyTtl: 0, historyMetaTtl: 1000 });
    assert.deepEqual([r.offset, r.epoch], [0, ""]);
    assert.equal((await recorded.delivered(1))[0]!.pub.offset, 0);
    await broker.close();
  });

  test("items expire after history_ttl while the position stays; the stream is forgotten after the meta ttl", async () => {
    // Redis counts TTLs in whole seconds.
    const ttl = testEngine === "redis" ? 1000 : 20;
    const pause = () => new Promise((resolve) => setTimeout(resolve, ttl * 1.5 + 30));
    const broker = await recordingBroker().start();
    const r = await broker.publish("ch", bytes("x"), {
      historySize: 5,
      historyTtl: ttl,
      historyMetaTtl: 60_000,
    });
    await pause();
    const h = await broker.history("ch", { limit: -1, reverse: false, metaTtl: 60_000 });
    assert.deepEqual(h.publications, []);
    assert.deepEqual(h.position, { offset: 1, epoch: r.epoch });
    await broker.publish("other", bytes("x"), { historySize: 5, historyTtl: ttl, historyMetaTtl: ttl });
    const before = await broker.history("other", { limit: 0, reverse: false, metaTtl: ttl });
    await pause();
    const after = await broker.history("other", { limit: 0, reverse: false, metaTtl: ttl });
    assert.notEqual(after.position.epoch, before.position.epoch);
    assert.equal(after.position.offset, 0);
    await broker.close();
  });
});
