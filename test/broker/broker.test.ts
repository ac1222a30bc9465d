import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createMemoryBroker } from "../../src/broker/memory/memory-broker.js";
import type {
  BrokerEventHandler,
  Publication,
  PublishOptions,
  StreamPosition,
} from "../../src/broker/types.js";

const history = { historySize: 3, historyTtl: 60_000, historyMetaTtl: 3_600_000 } satisfies PublishOptions;
const bytes = (s: string) => new TextEncoder().encode(s);

function recordingBroker() {
  const delivered: { channel: string; pub: Publication; position: StreamPosition; prev?: Publication }[] = [];
  const handler: BrokerEventHandler = {
    onPublication: (channel, pub, position, _delta, prev) => delivered.push({ channel, pub, position, prev }),
    onJoin: () => {},
    onLeave: () => {},
    onDeliveryGap: () => {},
  };
  const broker = createMemoryBroker();
  return { broker, delivered, start: () => broker.start(handler) };
}

describe("memory broker", () => {
  test("publish with history assigns increasing offsets within one epoch and trims to history_size", async () => {
    const { broker, delivered, start } = recordingBroker();
    await start();
    const results = [];
    for (let i = 1; i <= 5; i++) results.push(await broker.publish("ch", bytes(`${i}`), history));
    assert.deepEqual(
      results.map((r) => r.offset),
      [1, 2, 3, 4, 5],
    );
    assert.equal(new Set(results.map((r) => r.epoch)).size, 1);
    assert.deepEqual(
      delivered.map((d) => d.position.offset),
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
    const { broker, start } = recordingBroker();
    await start();
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
    const { broker, delivered, start } = recordingBroker();
    await start();
    const a = await broker.publish("ch", bytes("x"), { ...history, idempotencyKey: "k" });
    const b = await broker.publish("ch", bytes("y"), { ...history, idempotencyKey: "k" });
    assert.deepEqual(a, b);
    assert.equal(delivered.length, 1);
    await broker.close();
  });

  test("a version not newer than the last is suppressed, a new version epoch resets it", async () => {
    const { broker, delivered, start } = recordingBroker();
    await start();
    assert.equal((await broker.publish("ch", bytes("1"), { ...history, version: 2 })).suppressed, false);
    assert.equal((await broker.publish("ch", bytes("2"), { ...history, version: 2 })).suppressed, true);
    assert.equal((await broker.publish("ch", bytes("3"), { ...history, version: 1 })).suppressed, true);
    assert.equal(
      (await broker.publish("ch", bytes("4"), { ...history, version: 1, versionEpoch: "e2" })).suppressed,
      false,
    );
    assert.equal(delivered.length, 2);
    await broker.close();
  });

  test("delta publishes carry the previous publication", async () => {
    const { broker, delivered, start } = recordingBroker();
    await start();
    await broker.publish("ch", bytes("a"), { ...history, delta: true });
    await broker.publish("ch", bytes("b"), { ...history, delta: true });
    assert.equal(delivered[0]!.prev, undefined);
    assert.equal(Buffer.from(delivered[1]!.prev!.data).toString(), "a");
    await broker.close();
  });

  test("without history a publication is delivered with no position", async () => {
    const { broker, delivered, start } = recordingBroker();
    await start();
    const r = await broker.publish("ch", bytes("x"), { historySize: 0, historyTtl: 0, historyMetaTtl: 1000 });
    assert.deepEqual([r.offset, r.epoch], [0, ""]);
    assert.equal(delivered[0]!.pub.offset, 0);
    await broker.close();
  });

  test("items expire after history_ttl while the position stays; the stream is forgotten after the meta ttl", async () => {
    const { broker, start } = recordingBroker();
    await start();
    const r = await broker.publish("ch", bytes("x"), {
      historySize: 5,
      historyTtl: 30,
      historyMetaTtl: 60_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 60));
    const h = await broker.history("ch", { limit: -1, reverse: false, metaTtl: 60_000 });
    assert.deepEqual(h.publications, []);
    assert.deepEqual(h.position, { offset: 1, epoch: r.epoch });
    await broker.publish("other", bytes("x"), { historySize: 5, historyTtl: 10, historyMetaTtl: 20 });
    const before = await broker.history("other", { limit: 0, reverse: false, metaTtl: 20 });
    await new Promise((resolve) => setTimeout(resolve, 60));
    const after = await broker.history("other", { limit: 0, reverse: false, metaTtl: 20 });
    assert.notEqual(after.position.epoch, before.position.epoch);
    assert.equal(after.position.offset, 0);
    await broker.close();
  });
});
