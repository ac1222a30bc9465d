import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createMemoryMapBroker } from "../../src/map-broker/memory/memory-map-broker.js";
import type { MapChannelOptions } from "../../src/map-broker/types.js";
import { mapBrokerContract, recorder, testChannels, testCleanupIntervalMs } from "./contract.js";

mapBrokerContract("memory", async (handler) => {
  const broker = createMemoryMapBroker({ channels: testChannels, cleanupIntervalMs: testCleanupIntervalMs });
  await broker.start(handler);
  return broker;
});

const bytes = (s: string) => new TextEncoder().encode(s);
const small: MapChannelOptions = {
  mode: "recoverable",
  keyTtl: 60_000,
  streamSize: 3,
  streamTtl: 200,
  metaTtl: 400,
};

describe("memory map broker", () => {
  test("pages are in key order and the cursor is the last key of the page", async () => {
    const broker = createMemoryMapBroker({ channels: testChannels });
    await broker.start(recorder().handler);
    for (const key of ["d", "b", "e", "a", "c"])
      await broker.publish("per:sorted", key, { data: bytes(key) });
    const first = await broker.readState("per:sorted", { limit: 2 });
    assert.deepEqual([first.publications.map((p) => p.key), first.cursor], [["a", "b"], "b"]);
    const second = await broker.readState("per:sorted", { cursor: "b", limit: 2 });
    assert.deepEqual([second.publications.map((p) => p.key), second.cursor], [["c", "d"], "d"]);
    const last = await broker.readState("per:sorted", { cursor: "d", limit: 2 });
    assert.deepEqual([last.publications.map((p) => p.key), last.cursor], [["e"], ""]);
    await broker.close();
  });

  test("the stream keeps stream_size changes for stream_ttl; the epoch is forgotten after meta_ttl", async () => {
    const broker = createMemoryMapBroker({ channels: () => small, cleanupIntervalMs: 50 });
    await broker.start(recorder().handler);
    let epoch = "";
    for (let i = 1; i <= 5; i++)
      epoch = (await broker.publish("ch", `k${i}`, { data: bytes("x") })).position.epoch;
    const kept = await broker.readStream("ch", { limit: -1 });
    assert.deepEqual(
      kept.publications.map((p) => p.offset),
      [3, 4, 5],
    );
    await new Promise((resolve) => setTimeout(resolve, 250));
    assert.deepEqual((await broker.readStream("ch", { limit: -1 })).publications, []);
    assert.equal((await broker.readStream("ch", { limit: 0 })).position.offset, 5);
    await new Promise((resolve) => setTimeout(resolve, 250));
    const fresh = await broker.readState("ch", { limit: 0 });
    assert.notEqual(fresh.position.epoch, epoch);
    assert.equal(fresh.position.offset, 0);
    await broker.close();
  });

  test("the expiry cleanup reports each expired key and how late its pass began", async () => {
    const seen = { removed: 0, lags: [] as number[] };
    const broker = createMemoryMapBroker({
      channels: () => ({ ...small, keyTtl: 100 }),
      cleanupIntervalMs: 50,
      cleanup: {
        removed: (n) => {
          seen.removed += n;
        },
        failed: () => assert.fail("the memory cleanup cannot fail"),
        lag: (seconds) => seen.lags.push(seconds),
      },
    });
    const events = recorder();
    await broker.start(events.handler);
    await broker.publish("ch", "a", { data: bytes("1") });
    await broker.publish("ch", "b", { data: bytes("2") });
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(seen.removed, 2);
    assert.ok(seen.lags.length > 0 && seen.lags.every((s) => s >= 0 && s < 1), `lags ${seen.lags}`);
    assert.equal((await broker.stats("ch")).numKeys, 0);
    await broker.close();
  });
});
