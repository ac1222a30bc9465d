import assert from "node:assert/strict";
import { test } from "node:test";
import { waitUntil } from "../helpers/redis-servers.js";
import type { ApiSurface } from "./api-surfaces.js";
import { entry, type Json, type MapApiContext, num, unrecoverable } from "./map-api-fixtures.js";

/** Reads: pages of state, stream positions, epochs and what expiry and clearing leave. */
export function mapReadCases(ctx: MapApiContext, exactTrim: boolean): void {
  test("a state larger than a page is read page by page with the cursor, each key once", async () => {
    // Over 512 keys: Redis answers a smaller (listpack) hash whole, whatever the page size.
    const keys = Array.from({ length: 600 }, (_, n) => `key-${String(n).padStart(3, "0")}`);
    const channel = "board:pages";
    const http = ctx.surfaces().find((s) => s.name === "http-json")!;
    const written = (await http.call("Batch", {
      commands: keys.map((key, n) => ({ map_publish: { channel, key, data: { n } } })),
    })) as Json;
    assert.ok(
      written.replies.every((r: Json) => r.map_publish),
      "every key written",
    );
    await ctx.each(async (s, call) => {
      const seen: string[] = [];
      let cursor = "";
      let pages = 0;
      do {
        const page = (await call("MapReadState", { channel, limit: 250, cursor })).result;
        assert.equal(page.offset, "600", s.name);
        seen.push(...page.entries.map((e: Json) => e.key));
        cursor = page.cursor ?? "";
        pages += 1;
      } while (cursor !== "" && pages < 50);
      assert.ok(pages > 1, `${s.name}: ${pages} pages`);
      assert.deepEqual(seen.sort(), keys, s.name);
    });
  });

  test("a position from another epoch is 112", async () => {
    await ctx.each(async (s, call) => {
      const channel = `rec:epoch-${s.name}`;
      const { epoch } = (await call("MapPublish", { channel, key: "k", data: { n: 1 } })).result;
      const foreign = await call("MapReadStream", {
        channel,
        since_offset: 1,
        since_epoch: "other",
        limit: -1,
      });
      assert.deepEqual(foreign, unrecoverable, s.name);
      const stale = await call("MapReadState", {
        channel,
        limit: -1,
        revision_offset: 1,
        revision_epoch: "other",
      });
      assert.deepEqual(stale, unrecoverable, s.name);
      const current = await call("MapReadState", {
        channel,
        limit: 2,
        revision_offset: 1,
        revision_epoch: epoch,
      });
      assert.deepEqual(current.result.entries.map(entry), [
        { key: "k", data: { n: 1 }, tags: {}, offset: 1, removed: false },
      ]);
    });
  });

  test("reading the stream after a position whose successors are gone (stream_ttl) is 112", async () => {
    const written = new Map<ApiSurface, string>();
    await ctx.each(async (s, call) => {
      const channel = `fleeting:lobby-${s.name}`;
      for (let n = 1; n <= 3; n++) {
        written.set(s, (await call("MapPublish", { channel, key: `k${n}`, data: { n } })).result.epoch);
      }
      const kept = await call("MapReadStream", {
        channel,
        since_offset: 1,
        since_epoch: written.get(s),
        limit: -1,
      });
      assert.deepEqual(
        kept.result.entries.map((e: Json) => num(e.offset)),
        [2, 3],
        s.name,
      );
    });
    const http = ctx.surfaces().find((s) => s.name === "http-json")!;
    await waitUntil(
      "the stream to expire",
      async () =>
        !((await http.call("MapReadStream", { channel: "fleeting:lobby-http-json", limit: -1 })) as Json)
          .result.entries,
      10_000,
    );
    await ctx.each(async (s, call) => {
      const channel = `fleeting:lobby-${s.name}`;
      const epoch = written.get(s);
      const lost = await call("MapReadStream", { channel, since_offset: 1, since_epoch: epoch, limit: -1 });
      assert.deepEqual(lost, unrecoverable, s.name);
      const top = await call("MapReadStream", { channel, since_offset: 3, since_epoch: epoch, limit: -1 });
      assert.deepEqual(top, { result: { offset: "3", epoch } }, `${s.name}: nothing was lost after the top`);
      assert.deepEqual(
        await call("MapStats", { channel }),
        { result: { num_keys: 3 } },
        `${s.name}: keys stay`,
      );
    });
  });

  if (exactTrim) {
    test("reading the stream after a position trimmed by stream_size is 112", async () => {
      await ctx.each(async (s, call) => {
        const channel = `rec:trim-${s.name}`;
        let epoch = "";
        for (let n = 1; n <= 5; n++) {
          epoch = (await call("MapPublish", { channel, key: `k${n}`, data: { n } })).result.epoch;
        }
        const kept = await call("MapReadStream", {
          channel,
          since_offset: 2,
          since_epoch: epoch,
          limit: -1,
        });
        assert.deepEqual(
          kept.result.entries.map((e: Json) => num(e.offset)),
          [3, 4, 5],
          s.name,
        );
        const lost = await call("MapReadStream", {
          channel,
          since_offset: 1,
          since_epoch: epoch,
          limit: -1,
        });
        assert.deepEqual(lost, unrecoverable, `${s.name}: offset 2 is trimmed`);
      });
    });
  }

  test("map_clear drops keys and stream and starts a new epoch; the old epoch is 112", async () => {
    await ctx.each(async (s, call) => {
      const channel = `board:clear-${s.name}`;
      const { epoch } = (await call("MapPublish", { channel, key: "k", data: { n: 1 } })).result;
      assert.deepEqual(await call("MapClear", { channel }), { result: {} }, s.name);
      assert.deepEqual(await call("MapStats", { channel }), { result: {} }, `${s.name}: no keys left`);
      const next = (await call("MapPublish", { channel, key: "k", data: { n: 2 } })).result;
      assert.equal(next.offset, "1", s.name);
      assert.notEqual(next.epoch, epoch, s.name);
      const old = await call("MapReadState", {
        channel,
        limit: -1,
        revision_offset: 1,
        revision_epoch: epoch,
      });
      assert.deepEqual(old, unrecoverable, s.name);
      const oldStream = await call("MapReadStream", {
        channel,
        since_offset: 1,
        since_epoch: epoch,
        limit: -1,
      });
      assert.deepEqual(oldStream, unrecoverable, s.name);
    });
  });

  test("ephemeral keys have no offsets and expire after key_ttl; recoverable expiry is a removal in the stream", async () => {
    const surface = ctx.surfaces().find((s) => s.name === "http-json")!;
    const call = (method: string, request: Json) => surface.call(method, request) as Promise<Json>;
    const written = await call("MapPublish", { channel: "eph:cursors", key: "alice", data: { x: 1 } });
    assert.equal(written.result.offset, undefined, "ephemeral writes have no offset");
    const { epoch } = (
      await call("MapPublish", { channel: "brief:lobby", key: "bob", data: { ready: true } })
    ).result;
    const keys = async (channel: string) =>
      ((await call("MapReadState", { channel, limit: -1 })).result.entries ?? []).length;
    assert.equal(await keys("eph:cursors"), 1);
    assert.equal(await keys("brief:lobby"), 1);
    await waitUntil(
      "keys to expire",
      async () => (await keys("eph:cursors")) + (await keys("brief:lobby")) === 0,
      10_000,
    );
    const stream = await call("MapReadStream", {
      channel: "brief:lobby",
      since_offset: 0,
      since_epoch: epoch,
      limit: -1,
    });
    assert.deepEqual(stream.result.entries.map(entry), [
      { key: "bob", data: { ready: true }, tags: {}, offset: 1, removed: false },
      { key: "bob", data: undefined, tags: {}, offset: 2, removed: true },
    ]);
  });
}
