import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Broker, BrokerEventHandler, PublishOptions } from "../../src/core/broker.js";
import type { BrokerCapabilities } from "../../src/core/engines.js";
import type { Publication, StreamPosition } from "../../src/core/publication.js";
import { waitUntil } from "../helpers/redis-servers.js";

const history = { historySize: 3, historyTtl: 60_000, historyMetaTtl: 3_600_000 } satisfies PublishOptions;
const bytes = (s: string) => new TextEncoder().encode(s);

/**
 * A broker that records what it delivers, subscribed to `ch` (an async
 * broker delivers only what a node subscribed to); `delivered` waits until
 * a number of publications arrived.
 */
function recordingBroker(open: () => Promise<Broker>) {
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
      const broker = await open();
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

/**
 * What every broker must do, run for one engine: `open` makes a fresh broker
 * (its own keys or subjects), `caps` are the engine's capabilities from the
 * registry, and a test of something the engine does not keep is skipped,
 * saying so. `ttlUnitMs`: the shortest time to live the engine counts in
 * (Redis counts whole seconds).
 */
export function brokerContract(
  name: string,
  open: () => Promise<Broker>,
  caps: BrokerCapabilities,
  o: { readonly ttlUnitMs: number },
): void {
  const needs = (...capabilities: (keyof BrokerCapabilities)[]) => {
    const missing = capabilities.find((capability) => !caps[capability]);
    return { skip: missing ? `the ${name} broker keeps no ${missing}` : false };
  };
  describe(`broker contract: ${name}`, () => {
    test(
      "publish with history assigns increasing offsets within one epoch and trims to history_size",
      needs("history"),
      async () => {
        const recorded = recordingBroker(open);
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
      },
    );

    test("history reads after a position, in reverse, and with limits", needs("history"), async () => {
      const broker = await recordingBroker(open).start();
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

    test(
      "an idempotency key publishes once and returns the first result again",
      needs("idempotency"),
      async () => {
        const recorded = recordingBroker(open);
        const broker = await recorded.start();
        const a = await broker.publish("ch", bytes("x"), { ...history, idempotencyKey: "k" });
        const b = await broker.publish("ch", bytes("y"), { ...history, idempotencyKey: "k" });
        assert.deepEqual(b, { ...a, repeated: true });
        await broker.publish("ch", bytes("z"), history);
        assert.deepEqual(
          (await recorded.delivered(2)).map((d) => text(d.pub)),
          ["x", "z"],
        );
        await broker.close();
      },
    );

    test(
      "a version not newer than the last is suppressed, a new version epoch resets it",
      needs("versions"),
      async () => {
        const recorded = recordingBroker(open);
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
      },
    );

    test(
      "a publish's version reaches subscribers and history; none stays none",
      needs("history", "publicationDetails"),
      async () => {
        const recorded = recordingBroker(open);
        const broker = await recorded.start();
        await broker.publish("ch", bytes("a"), { ...history, version: 7 });
        await broker.publish("ch", bytes("b"), history);
        assert.deepEqual(
          (await recorded.delivered(2)).map((d) => d.pub.version),
          [7, undefined],
        );
        const all = await broker.history("ch", { limit: -1, reverse: false, metaTtl: 3_600_000 });
        assert.deepEqual(
          all.publications.map((p) => p.version),
          [7, undefined],
        );
        await broker.close();
      },
    );

    test(
      "without history a publish's version still reaches subscribers",
      needs("publicationDetails"),
      async () => {
        const recorded = recordingBroker(open);
        const broker = await recorded.start();
        const none = { historySize: 0, historyTtl: 0, historyMetaTtl: 1000 };
        await broker.publish("ch", bytes("a"), { ...none, version: 9 });
        await broker.publish("ch", bytes("b"), { ...none, version: 10, idempotencyKey: "k" });
        assert.deepEqual(
          (await recorded.delivered(2)).map((d) => d.pub.version),
          [9, 10],
        );
        await broker.close();
      },
    );

    test("delta publishes carry the previous publication", needs("history"), async () => {
      const recorded = recordingBroker(open);
      const broker = await recorded.start();
      await broker.publish("ch", bytes("a"), { ...history, delta: true });
      await broker.publish("ch", bytes("b"), { ...history, delta: true });
      const [first, second] = await recorded.delivered(2);
      assert.equal(first!.prev, undefined);
      assert.equal(text(second!.prev!), "a");
      assert.equal(second!.prev!.offset, 1);
      await broker.close();
    });

    test(
      "without history a publication is delivered with no position",
      needs("publicationDetails"),
      async () => {
        const recorded = recordingBroker(open);
        const broker = await recorded.start();
        const r = await broker.publish("ch", bytes("x"), {
          historySize: 0,
          historyTtl: 0,
          historyMetaTtl: 1000,
        });
        assert.deepEqual([r.offset, r.epoch], [0, ""]);
        assert.equal((await recorded.delivered(1))[0]!.pub.offset, 0);
        await broker.close();
      },
    );

    test(
      "items expire after history_ttl while the position stays; the stream is forgotten after the meta ttl",
      needs("history"),
      async () => {
        const ttl = o.ttlUnitMs;
        const pause = () => new Promise((resolve) => setTimeout(resolve, ttl * 1.5 + 30));
        const broker = await recordingBroker(open).start();
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
      },
    );
  });
}
