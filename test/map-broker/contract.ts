import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import type { MapBroker, MapBrokerEventHandler, MapPublication } from "../../src/map-broker/types.js";
import { waitUntil } from "../helpers/redis-servers.js";
import { bytes, isUnrecoverable, recorder, text } from "./contract-fixtures.js";

export { type Delivery, recorder, testChannels, testCleanupIntervalMs } from "./contract-fixtures.js";

let unique = 0;

/**
 * What every map broker must do, run against each implementation. `create`
 * makes a started broker bound to the handler; tests subscribe the channels
 * they watch, since a networked broker only delivers what a node subscribed to.
 */
export function mapBrokerContract(
  name: string,
  create: (handler: MapBrokerEventHandler) => Promise<MapBroker>,
) {
  describe(`map broker contract (${name})`, () => {
    const rec = recorder();
    let started: Promise<MapBroker> | undefined;
    const broker = () => (started ??= create(rec.handler));
    after(async () => (await started)?.close());

    /** A fresh channel of the namespace, already subscribed. */
    async function channel(ns: string): Promise<string> {
      const ch = `${ns}:c${++unique}`;
      await (await broker()).subscribe([ch]);
      return ch;
    }

    test("writes in a stream mode get increasing offsets in one epoch and reach the node in order", async () => {
      const b = await broker();
      const ch = await channel("rec");
      const results = [];
      for (const key of ["a", "b", "a"])
        results.push(await b.publish(ch, key, { data: bytes(`${key}${results.length}`) }));
      assert.deepEqual(
        results.map((r) => [r.position.offset, r.suppressed]),
        [
          [1, false],
          [2, false],
          [3, false],
        ],
      );
      assert.equal(new Set(results.map((r) => r.position.epoch)).size, 1);
      const got = await rec.wait(ch, 3);
      assert.deepEqual(
        got.map((d) => [d.pub.key, d.pub.offset, text(d.pub), d.position.offset]),
        [
          ["a", 1, "a0", 1],
          ["b", 2, "b1", 2],
          ["a", 3, "a2", 3],
        ],
      );
      assert.equal(got[0]!.position.epoch, results[0]!.position.epoch);
      const state = await b.readState(ch, { limit: -1 });
      const entries = state.publications.map((p) => [p.key, text(p), p.offset]).sort();
      assert.deepEqual(entries, [
        ["a", "a2", 3],
        ["b", "b1", 2],
      ]);
      assert.deepEqual(state.position, { offset: 3, epoch: results[0]!.position.epoch });
    });

    test("ephemeral writes carry offset 0 and still reach the node and the state", async () => {
      const b = await broker();
      const ch = await channel("eph");
      const result = await b.publish(ch, "k", { data: bytes("1"), tags: { t: "x" } });
      assert.equal(result.position.offset, 0);
      const [d] = await rec.wait(ch, 1);
      assert.equal(d!.pub.offset, 0);
      assert.deepEqual(d!.pub.tags, { t: "x" });
      const state = await b.readState(ch, { limit: 10 });
      assert.deepEqual(
        state.publications.map((p) => [p.key, text(p), p.offset]),
        [["k", "1", 0]],
      );
    });

    test("remove delivers a removal with the stored tags; removing a missing key is suppressed and sends nothing", async () => {
      const b = await broker();
      for (const ns of ["rec", "eph"]) {
        const ch = await channel(ns);
        await b.publish(ch, "k", {
          data: bytes("v"),
          tags: { team: "red" },
          info: { user: "u", client: "c" },
        });
        const removed = await b.remove(ch, "k", {});
        assert.equal(removed.suppressed, false);
        const missing = await b.remove(ch, "k", {});
        assert.deepEqual([missing.suppressed, missing.suppressReason], [true, "key_not_found"]);
        if (ns === "rec") assert.equal(missing.position.offset, 2);
        await b.publish(ch, "after", { data: bytes("x") });
        const got = await rec.wait(ch, 3);
        assert.equal(got.length, 3, ns);
        assert.deepEqual(
          [got[1]!.pub.key, got[1]!.pub.removed, got[1]!.pub.tags, got[1]!.pub.data.length],
          ["k", true, { team: "red" }, 0],
        );
        assert.deepEqual(
          (await b.readState(ch, { limit: -1 })).publications.map((p) => p.key),
          ["after"],
        );
        assert.deepEqual(await b.stats(ch), { numKeys: 1 });
      }
    });

    test("a removal with its own tags carries those", async () => {
      const b = await broker();
      const ch = await channel("rec");
      await b.publish(ch, "k", { data: bytes("v"), tags: { team: "red" } });
      await b.remove(ch, "k", { tags: { by: "proxy" } });
      const got = await rec.wait(ch, 2);
      assert.deepEqual(got[1]!.pub.tags, { by: "proxy" });
    });

    test("key_mode if_new and if_exists suppress in every mode without writing", async () => {
      const b = await broker();
      for (const ns of ["rec", "eph", "per"]) {
        const ch = await channel(ns);
        const missing = await b.publish(ch, "k", { data: bytes("0"), keyMode: "if_exists" });
        assert.deepEqual([missing.suppressed, missing.suppressReason], [true, "key_not_found"], ns);
        assert.equal((await b.publish(ch, "k", { data: bytes("1"), keyMode: "if_new" })).suppressed, false);
        const again = await b.publish(ch, "k", { data: bytes("2"), keyMode: "if_new" });
        assert.deepEqual([again.suppressed, again.suppressReason], [true, "key_exists"], ns);
        assert.equal(
          (await b.publish(ch, "k", { data: bytes("3"), keyMode: "if_exists" })).suppressed,
          false,
        );
        const got = await rec.wait(ch, 2);
        assert.deepEqual(
          got.map((d) => text(d.pub)),
          ["1", "3"],
          ns,
        );
        if (ns !== "eph") assert.deepEqual([again.position.offset, got[1]!.pub.offset], [1, 2]);
      }
    });

    test("versions below or equal to the key's last one are suppressed within one version epoch", async () => {
      const b = await broker();
      const ch = await channel("rec");
      assert.equal((await b.publish(ch, "k", { data: bytes("v2"), version: 2 })).suppressed, false);
      const old = await b.publish(ch, "k", { data: bytes("v1"), version: 1 });
      assert.deepEqual([old.suppressed, old.suppressReason, old.position.offset], [true, "version", 1]);
      assert.equal((await b.publish(ch, "k", { data: bytes("same"), version: 2 })).suppressReason, "version");
      assert.equal((await b.publish(ch, "other", { data: bytes("v1"), version: 1 })).suppressed, false);
      assert.equal(
        (await b.publish(ch, "k", { data: bytes("e1"), version: 1, versionEpoch: "x" })).suppressed,
        false,
      );
      const got = await rec.wait(ch, 3);
      assert.deepEqual(
        got.map((d) => text(d.pub)),
        ["v2", "v1", "e1"],
      );
      const eph = await channel("eph");
      await assert.rejects(
        b.publish(eph, "k", { data: bytes("x"), version: 1 }),
        /recoverable or persistent/,
      );
    });

    test("a repeated idempotency key answers the first result and writes once", async () => {
      const b = await broker();
      const ch = await channel("rec");
      const first = await b.publish(ch, "k", { data: bytes("1"), idempotencyKey: "op-1" });
      const second = await b.publish(ch, "k", { data: bytes("2"), idempotencyKey: "op-1" });
      assert.deepEqual(
        [second.suppressed, second.suppressReason, second.position],
        [true, "idempotency", first.position],
      );
      const removal = await b.remove(ch, "k", { idempotencyKey: "rm-1" });
      const again = await b.remove(ch, "k", { idempotencyKey: "rm-1" });
      assert.deepEqual([again.suppressReason, again.position], ["idempotency", removal.position]);
      await b.publish(ch, "end", { data: bytes("e") });
      const got = await rec.wait(ch, 3);
      assert.deepEqual(
        got.map((d) => [d.pub.key, d.pub.removed]),
        [
          ["k", false],
          ["k", true],
          ["end", false],
        ],
      );
    });

    test("paging through a state larger than a page returns every key, then an empty cursor", async () => {
      const b = await broker();
      for (const ns of ["rec", "eph"]) {
        const ch = await channel(ns);
        const keys = Array.from({ length: 250 }, (_, i) => `key-${i}`);
        await Promise.all(keys.map((key) => b.publish(ch, key, { data: bytes(key) })));
        const seen: string[] = [];
        let cursor = "";
        let pages = 0;
        do {
          const page = await b.readState(ch, { cursor, limit: 100 });
          for (const p of page.publications) {
            assert.equal(text(p), p.key);
            seen.push(p.key);
          }
          cursor = page.cursor;
          pages++;
        } while (cursor !== "" && pages < 1000);
        assert.deepEqual([...new Set(seen)].sort(), keys.sort(), ns);
        assert.deepEqual(await b.stats(ch), { numKeys: 250 });
      }
    });

    test("state reads: limit 0 gives the position only, a key reads one entry, another epoch is unrecoverable", async () => {
      const b = await broker();
      const ch = await channel("rec");
      const w = await b.publish(ch, "k", { data: bytes("v"), tags: { a: "1" } });
      await b.publish(ch, "j", { data: bytes("w") });
      const position = await b.readState(ch, { limit: 0 });
      assert.deepEqual(
        [position.publications, position.position, position.cursor],
        [[], { offset: 2, epoch: w.position.epoch }, ""],
      );
      const one = await b.readState(ch, { key: "k", limit: 10 });
      assert.deepEqual(
        one.publications.map((p) => [p.key, text(p), p.offset, p.tags]),
        [["k", "v", 1, { a: "1" }]],
      );
      assert.deepEqual((await b.readState(ch, { key: "none", limit: 10 })).publications, []);
      await assert.rejects(
        b.readState(ch, { limit: 10, revision: { offset: 1, epoch: "other" } }),
        isUnrecoverable,
      );
      await assert.rejects(
        b.readState(ch, { key: "k", limit: 10, revision: { offset: 1, epoch: "other" } }),
        isUnrecoverable,
      );
    });

    test("stream reads: after a position, limited, reversed; another epoch is unrecoverable", async () => {
      const b = await broker();
      const ch = await channel("per");
      let epoch = "";
      for (let i = 1; i <= 5; i++)
        epoch = (await b.publish(ch, `k${i}`, { data: bytes(`${i}`) })).position.epoch;
      const offsets = (pubs: MapPublication[]) => pubs.map((p) => p.offset);
      assert.deepEqual(offsets((await b.readStream(ch, { limit: -1 })).publications), [1, 2, 3, 4, 5]);
      const since = await b.readStream(ch, { since: { offset: 2, epoch }, limit: 2 });
      assert.deepEqual([offsets(since.publications), since.position], [[3, 4], { offset: 5, epoch }]);
      assert.deepEqual(
        since.publications.map((p) => p.key),
        ["k3", "k4"],
      );
      assert.deepEqual(offsets((await b.readStream(ch, { limit: 2, reverse: true })).publications), [5, 4]);
      assert.deepEqual(
        offsets(
          (await b.readStream(ch, { since: { offset: 3, epoch }, limit: -1, reverse: true })).publications,
        ),
        [2, 1],
      );
      assert.deepEqual((await b.readStream(ch, { limit: 0 })).publications, []);
      await assert.rejects(
        b.readStream(ch, { since: { offset: 2, epoch: "other" }, limit: 10 }),
        isUnrecoverable,
      );
    });

    test("clear drops state and stream; the next write starts a new epoch at offset 1", async () => {
      const b = await broker();
      const ch = await channel("per");
      const before = await b.publish(ch, "k", { data: bytes("1") });
      await b.publish(ch, "k", { data: bytes("2") });
      await b.clear(ch);
      assert.deepEqual(await b.stats(ch), { numKeys: 0 });
      const after = await b.publish(ch, "j", { data: bytes("3") });
      assert.equal(after.position.offset, 1);
      assert.notEqual(after.position.epoch, before.position.epoch);
      assert.deepEqual(
        (await b.readStream(ch, { limit: -1 })).publications.map((p) => p.key),
        ["j"],
      );
      await assert.rejects(b.readStream(ch, { since: before.position, limit: 10 }), isUnrecoverable);
    });

    test("a key whose TTL elapsed is removed by the broker: a removal with its tags, in the stream and to the node", async () => {
      const b = await broker();
      const ch = await channel("short");
      await b.publish(ch, "gone", { data: bytes("1"), tags: { team: "blue" } });
      const got = await rec.wait(ch, 2);
      assert.deepEqual(
        [got[1]!.pub.key, got[1]!.pub.removed, got[1]!.pub.tags, got[1]!.pub.offset],
        ["gone", true, { team: "blue" }, 2],
      );
      assert.ok(got[1]!.pub.time >= got[0]!.pub.time + 300);
      assert.deepEqual(await b.stats(ch), { numKeys: 0 });
      const stream = await b.readStream(ch, { limit: -1 });
      assert.deepEqual(
        stream.publications.map((p) => [p.key, p.removed]),
        [
          ["gone", false],
          ["gone", true],
        ],
      );
      const eph = await channel("shorteph");
      await b.publish(eph, "gone", { data: bytes("1") });
      const ephGot = await rec.wait(eph, 2);
      assert.deepEqual([ephGot[1]!.pub.removed, ephGot[1]!.pub.offset], [true, 0]);
    });

    test("each write moves the key's expiry; an if_new keep-alive does too when asked", async () => {
      const b = await broker();
      const ch = await channel("short");
      await b.publish(ch, "kept", { data: bytes("1") });
      await b.publish(ch, "alive", { data: bytes("1") });
      for (let i = 0; i < 4; i++) {
        await new Promise((resolve) => setTimeout(resolve, 150));
        await b.publish(ch, "kept", { data: bytes(`${i}`) });
        await b.publish(ch, "alive", { data: bytes("x"), keyMode: "if_new", refreshTtlOnSuppress: true });
      }
      const keys = (await b.readState(ch, { limit: -1 })).publications.map((p) => p.key).sort();
      assert.deepEqual(keys, ["alive", "kept"]);
      const removals = await rec.wait(ch, 6);
      assert.equal(removals.filter((d) => d.pub.removed).length, 0);
      await waitUntil("both keys expired", async () => (await b.stats(ch)).numKeys === 0, 5000);
    });

    test("a stream without a TTL keeps its changes", async () => {
      const b = await broker();
      const ch = await channel("forever");
      await b.publish(ch, "a", { data: bytes("1") });
      await b.publish(ch, "b", { data: bytes("2") });
      const stream = await b.readStream(ch, { limit: -1 });
      assert.deepEqual(
        stream.publications.map((p) => p.key),
        ["a", "b"],
      );
    });

    test("a delta write hands the node the key's previous value", async () => {
      const b = await broker();
      const ch = await channel("rec");
      await b.publish(ch, "k", { data: bytes("old"), delta: true });
      await b.publish(ch, "k", { data: bytes("new"), delta: true });
      await b.publish(ch, "k", { data: bytes("plain") });
      const got = await rec.wait(ch, 3);
      assert.deepEqual(
        got.map((d) => [d.delta, d.prev && text(d.prev)]),
        [
          [false, undefined],
          [true, "old"],
          [false, undefined],
        ],
      );
      assert.equal(got[1]!.prev!.key, "k");
    });

    test("writes to a channel that is not a map fail", async () => {
      const b = await broker();
      await assert.rejects(b.publish("stream:x", "k", { data: bytes("1") }), /not a map channel/);
      await assert.rejects(b.readState("stream:x", { limit: 1 }), /not a map channel/);
    });
  });
}
