import assert from "node:assert/strict";
import { test } from "node:test";
import { bad, entry, type Json, type MapApiContext, num } from "./map-api-fixtures.js";

/** Writes and their answers: positions, suppressions, payloads, errors. */
export function mapWriteCases(ctx: MapApiContext): void {
  test("publish, read state, stats, remove and read the stream on a persistent map", async () => {
    await ctx.each(async (s, call) => {
      const channel = `board:scores-${s.name}`;
      const first = await call("MapPublish", {
        channel,
        key: "alice",
        data: { score: 1 },
        tags: { team: "red" },
      });
      const epoch = first.result.epoch;
      assert.ok(epoch, s.name);
      assert.deepEqual(first, { result: { offset: "1", epoch } }, s.name);
      await call("MapPublish", { channel, key: "bob", data: { score: 2 } });
      const update = await call("MapPublish", { channel, key: "alice", data: { score: 3 } });
      assert.equal(update.result.offset, "3", s.name);

      const position = await call("MapReadState", { channel });
      assert.deepEqual(
        position,
        { result: { offset: "3", epoch } },
        `${s.name}: limit 0 is the position only`,
      );
      const state = await call("MapReadState", { channel, limit: -1 });
      assert.deepEqual(
        state.result.entries.map(entry).sort((a: Json, b: Json) => a.key.localeCompare(b.key)),
        [
          { key: "alice", data: { score: 3 }, tags: {}, offset: 3, removed: false },
          { key: "bob", data: { score: 2 }, tags: {}, offset: 2, removed: false },
        ],
        s.name,
      );
      assert.ok(
        state.result.entries.every((e: Json) => Math.abs(num(e.time) - Date.now()) < 60_000),
        s.name,
      );
      const one = await call("MapReadState", { channel, key: "bob" });
      assert.deepEqual(one.result.entries.map(entry), [
        { key: "bob", data: { score: 2 }, tags: {}, offset: 2, removed: false },
      ]);
      assert.deepEqual(await call("MapStats", { channel }), { result: { num_keys: 2 } }, s.name);

      const removed = await call("MapRemove", { channel, key: "bob" });
      assert.deepEqual(removed, { result: { offset: "4", epoch } }, s.name);
      const again = await call("MapRemove", { channel, key: "bob" });
      assert.deepEqual(
        again,
        { result: { offset: "4", epoch, suppressed: true, suppress_reason: "key_not_found" } },
        s.name,
      );
      assert.deepEqual(await call("MapStats", { channel }), { result: { num_keys: 1 } }, s.name);

      const stream = await call("MapReadStream", {
        channel,
        since_offset: 1,
        since_epoch: epoch,
        limit: -1,
      });
      assert.deepEqual(
        stream.result.entries.map(entry),
        [
          { key: "bob", data: { score: 2 }, tags: {}, offset: 2, removed: false },
          { key: "alice", data: { score: 3 }, tags: {}, offset: 3, removed: false },
          { key: "bob", data: undefined, tags: {}, offset: 4, removed: true },
        ],
        s.name,
      );
      assert.equal(stream.result.offset, "4", s.name);
      const latest = await call("MapReadStream", {
        channel,
        since_offset: 4,
        since_epoch: epoch,
        limit: -1,
      });
      assert.deepEqual(latest, { result: { offset: "4", epoch } }, `${s.name}: nothing after the top`);
      const newestFirst = await call("MapReadStream", { channel, limit: 2, reverse: true });
      assert.deepEqual(
        newestFirst.result.entries.map((e: Json) => num(e.offset)),
        [4, 3],
        s.name,
      );
    });
  });

  test("tags travel with the key; b64data replaces data", async () => {
    await ctx.each(async (s, call) => {
      const channel = `board:tags-${s.name}`;
      const b64data = Buffer.from('{"from":"b64"}').toString("base64");
      await call("MapPublish", {
        channel,
        key: "k",
        data: { from: "data" },
        b64data,
        tags: { team: "red" },
      });
      const state = await call("MapReadState", { channel, limit: 10 });
      assert.deepEqual(
        state.result.entries.map(entry),
        [{ key: "k", data: { from: "b64" }, tags: { team: "red" }, offset: 1, removed: false }],
        s.name,
      );
    });
  });

  test("key_mode, version and idempotency_key suppress writes and say why", async () => {
    await ctx.each(async (s, call) => {
      const channel = `rec:modes-${s.name}`;
      const first = await call("MapPublish", { channel, key: "k", data: { v: 1 }, key_mode: "if_new" });
      const epoch = first.result.epoch;
      const exists = await call("MapPublish", { channel, key: "k", data: { v: 2 }, key_mode: "if_new" });
      assert.deepEqual(
        exists,
        { result: { offset: "1", epoch, suppressed: true, suppress_reason: "key_exists" } },
        s.name,
      );
      const missing = await call("MapPublish", { channel, key: "nope", data: {}, key_mode: "if_exists" });
      assert.equal(missing.result.suppress_reason, "key_not_found", s.name);
      const updated = await call("MapPublish", {
        channel,
        key: "k",
        data: { v: 3 },
        key_mode: "if_exists",
      });
      assert.deepEqual(updated, { result: { offset: "2", epoch } }, s.name);

      assert.equal(
        (await call("MapPublish", { channel, key: "v", data: {}, version: 5 })).result.offset,
        "3",
      );
      const older = await call("MapPublish", { channel, key: "v", data: {}, version: 4 });
      assert.equal(older.result.suppress_reason, "version", s.name);
      const newer = await call("MapPublish", { channel, key: "v", data: {}, version: 6 });
      assert.equal(newer.result.offset, "4", s.name);

      const once = { channel, key: "i", data: { once: true }, idempotency_key: "op-1" };
      const written = await call("MapPublish", once);
      const repeated = await call("MapPublish", once);
      assert.deepEqual(
        repeated,
        { result: { ...written.result, suppressed: true, suppress_reason: "idempotency" } },
        s.name,
      );
      const state = await call("MapReadState", { channel, limit: -1 });
      assert.deepEqual(
        state.result.entries.map((e: Json) => `${e.key}@${num(e.offset)}`).sort(),
        ["i@5", "k@2", "v@4"],
        s.name,
      );
    });
  });

  test("bad requests are 107, unknown namespaces 102, a stream namespace 107", async () => {
    await ctx.each(async (s, call) => {
      const channel = `board:errors-${s.name}`;
      const cases: [string, Json, Json][] = [
        ["MapPublish", { channel: "", key: "k", data: {} }, bad],
        [
          "MapPublish",
          { channel: "nope:x", key: "k", data: {} },
          { error: { code: 102, message: "unknown channel" } },
        ],
        ["MapPublish", { channel: "chat:x", key: "k", data: {} }, bad],
        ["MapPublish", { channel: "plain", key: "k", data: {} }, bad],
        ["MapPublish", { channel, data: {} }, bad],
        ["MapPublish", { channel, key: "k", data: {}, key_mode: "always" }, bad],
        ["MapPublish", { channel, key: "k", b64data: "not base64!" }, bad],
        ["MapRemove", { channel, key: "" }, bad],
        ["MapRemove", { channel: "chat:x", key: "k" }, bad],
        ["MapReadState", { channel: "" }, bad],
        ["MapReadStream", { channel: "nope:x" }, { error: { code: 102, message: "unknown channel" } }],
        ["MapStats", { channel: "chat:x" }, bad],
        ["MapClear", { channel: "" }, bad],
      ];
      for (const [method, request, expected] of cases) {
        assert.deepEqual(
          await call(method, request),
          expected,
          `${s.name} ${method} ${JSON.stringify(request)}`,
        );
      }
      assert.deepEqual(
        await call("MapPublish", { channel: `eph:v-${s.name}`, key: "k", data: {}, version: 1 }),
        { error: { code: 100, message: "internal server error" } },
        `${s.name}: versions need a stream`,
      );
    });
  });
}
