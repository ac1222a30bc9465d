import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { JsonObject } from "@bufbuild/protobuf";
import { type RawClient, rawClient } from "../client/raw-websocket.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { putKey } from "./map-view.js";

let srv: TestServer;
before(async () => {
  srv = await startTestServer({
    client: { insecure: true, concurrency: 4, channel_limit: 2 },
    channel: {
      namespaces: [
        {
          name: "paged",
          subscription_type: "map",
          map: { mode: "persistent", min_page_size: 10, default_page_size: 20, max_page_size: 30 },
        },
        { name: "eph", subscription_type: "map", map: { mode: "ephemeral", key_ttl: "60s" } },
        { name: "users", subscription_type: "map_users", map: { mode: "ephemeral", key_ttl: "60s" } },
        {
          name: "slowpage",
          subscription_type: "map",
          map: { mode: "persistent", subscribe_catch_up_timeout: "300ms" },
        },
        {
          name: "diff",
          subscription_type: "map",
          map: { mode: "persistent" },
          allowed_delta_types: ["fossil"],
        },
        { name: "stream", history_size: 10, history_ttl: "60s" },
      ],
    },
  });
});
after(() => srv.close());

let nextId = 1;
async function connectedRaw(): Promise<RawClient> {
  const c = await rawClient(srv.url, "json");
  const id = nextId++;
  c.send({ id, connect: {} });
  await c.reply(id);
  return c;
}

/** Sends one subscribe command and resolves with its reply. */
async function subscribe(c: RawClient, request: object): Promise<JsonObject> {
  const id = nextId++;
  c.send({ id, subscribe: request });
  return c.reply(id);
}

const errorCode = (reply: JsonObject) => (reply.error as JsonObject | undefined)?.code;
const sub = (reply: JsonObject) => reply.subscribe as JsonObject;
const keysOf = (list: unknown) => ((list as JsonObject[] | undefined) ?? []).map((p) => p.key as string);

async function fill(channel: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await putKey(srv, channel, `k${String(i).padStart(2, "0")}`, { i });
}

describe("map subscribe on the wire", () => {
  test("pages are clamped, the position stays frozen, and later writes come through the stream", async () => {
    const ch = "paged:clamps";
    await fill(ch, 70);
    const c = await connectedRaw();
    try {
      const first = sub(await subscribe(c, { channel: ch, type: 1, phase: 2, limit: 5 }));
      assert.equal(first.type, 1);
      assert.equal(first.phase, 2);
      assert.equal(first.offset, 70);
      assert.equal(keysOf(first.state).length, 10, "a limit under min_page_size is raised to it");
      assert.ok(first.cursor);
      await putKey(srv, ch, "k65", { changed: true });
      const { epoch } = first;
      const second = sub(
        await subscribe(c, {
          channel: ch,
          type: 1,
          phase: 2,
          limit: 1000,
          cursor: first.cursor,
          offset: 70,
          epoch,
        }),
      );
      assert.equal(keysOf(second.state).length, 30, "a limit over max_page_size is lowered to it");
      assert.equal(second.offset, 70, "later pages report the frozen offset");
      let page = second;
      const seen = [...keysOf(first.state), ...keysOf(second.state)];
      while (page.phase === 2 && page.cursor) {
        page = sub(
          await subscribe(c, { channel: ch, type: 1, phase: 2, cursor: page.cursor, offset: 70, epoch }),
        );
        seen.push(...keysOf(page.state));
      }
      assert.equal(page.phase, undefined, "the last page goes live");
      assert.equal(page.recoverable, true);
      assert.equal(page.offset, 71);
      assert.equal(
        seen.includes("k65"),
        false,
        "an entry written after the frozen offset is left to the stream",
      );
      assert.equal(seen.length, 69);
      assert.deepEqual(
        (page.publications as JsonObject[]).map((p) => [p.key, p.offset, p.data]),
        [["k65", 71, { changed: true }]],
      );
      await putKey(srv, ch, "k00", { live: true });
      const live = await c.push((p) => p.channel === ch && p.pub !== undefined);
      assert.deepEqual(live.pub, { data: { live: true }, offset: 72, key: "k00" });
    } finally {
      c.close();
    }
  });

  test("refusals: 103 type mismatch and continuations without a flow, 105, 107, 112, 113", async () => {
    const ch = "paged:refusals";
    await fill(ch, 70);
    const c = await connectedRaw();
    try {
      assert.equal(errorCode(await subscribe(c, { channel: ch, type: 0 })), 103);
      assert.equal(errorCode(await subscribe(c, { channel: ch, type: 2, phase: 2 })), 103);
      assert.equal(errorCode(await subscribe(c, { channel: "stream:x", type: 1, phase: 2 })), 103);
      assert.equal(errorCode(await subscribe(c, { channel: ch, type: 1, phase: 2, cursor: "k10" })), 103);
      assert.equal(errorCode(await subscribe(c, { channel: ch, type: 1, phase: 1, offset: 1 })), 103);
      assert.equal(errorCode(await subscribe(c, { channel: ch, type: 1, phase: 7 })), 107);
      assert.equal(
        errorCode(await subscribe(c, { channel: "eph:x", type: 1, phase: 1, recover: true })),
        107,
      );
      const first = sub(await subscribe(c, { channel: ch, type: 1, phase: 2 }));
      assert.ok(first.cursor);
      assert.equal(errorCode(await subscribe(c, { channel: ch, type: 1, phase: 2 })), 105);
      // The 105 ended nothing: the flow goes on.
      const a = nextId++;
      const b = nextId++;
      const next = { channel: ch, type: 1, phase: 2, cursor: first.cursor, offset: 70, epoch: first.epoch };
      c.send({ id: a, subscribe: next }, { id: b, subscribe: next });
      const [ra, rb] = [await c.reply(a), await c.reply(b)];
      assert.equal(ra.subscribe !== undefined, true);
      assert.deepEqual(rb.error, { code: 113, message: "concurrent pagination", temporary: true });
      const wrongEpoch = { ...next, cursor: (ra.subscribe as JsonObject).cursor, epoch: "other" };
      assert.equal(errorCode(await subscribe(c, wrongEpoch)), 112);
      // 112 ended the flow: a new one starts and goes live, after which the channel is taken.
      let page = sub(await subscribe(c, { channel: ch, type: 1, phase: 2 }));
      while (page.phase === 2) {
        const more = { channel: ch, type: 1, phase: 2, cursor: page.cursor, offset: 70, epoch: page.epoch };
        page = sub(await subscribe(c, more));
      }
      assert.equal(page.phase, undefined);
      assert.equal(errorCode(await subscribe(c, { channel: ch, type: 1, phase: 2 })), 105);
    } finally {
      c.close();
    }
  });

  test("a subscribe in progress counts toward client.channel_limit (106)", async () => {
    await fill("paged:limit-a", 40);
    const c = await connectedRaw();
    try {
      assert.ok(sub(await subscribe(c, { channel: "paged:limit-a", type: 1, phase: 2 })).cursor);
      assert.equal(sub(await subscribe(c, { channel: "paged:limit-b", type: 1, phase: 2 })).phase, undefined);
      assert.equal(errorCode(await subscribe(c, { channel: "paged:limit-c", type: 1, phase: 2 })), 106);
    } finally {
      c.close();
    }
  });

  test("a client that stops paging is disconnected with 3008 after the catch-up timeout", async () => {
    const ch = "slowpage:stalled";
    await fill(ch, 150);
    const c = await connectedRaw();
    const first = sub(await subscribe(c, { channel: ch, type: 1, phase: 2 }));
    assert.ok(first.cursor);
    const closed = await c.closed;
    assert.equal(closed.code, 3008);
    assert.equal(closed.reason, "slow");
  });

  test("an unsubscribe ends a flow in progress", async () => {
    const ch = "slowpage:abandoned";
    await fill(ch, 150);
    const c = await connectedRaw();
    try {
      assert.ok(sub(await subscribe(c, { channel: ch, type: 1, phase: 2 })).cursor);
      const id = nextId++;
      c.send({ id, unsubscribe: { channel: ch } });
      await c.reply(id);
      const again = sub(await subscribe(c, { channel: ch, type: 1, phase: 2, limit: 1000 }));
      assert.equal(keysOf(again.state).length, 150);
      const outcome = await Promise.race([c.closed, new Promise((r) => setTimeout(() => r("open"), 500))]);
      assert.equal(outcome, "open");
    } finally {
      c.close();
    }
  });

  test("the first change of an epoch carries the epoch", async () => {
    const ch = "paged:fresh";
    const c = await connectedRaw();
    try {
      const live = sub(await subscribe(c, { channel: ch, type: 1, phase: 2 }));
      assert.equal(live.phase, undefined);
      await putKey(srv, ch, "a", 1);
      await putKey(srv, ch, "b", 2);
      const first = await c.push((p) => p.channel === ch && (p.pub as JsonObject).key === "a");
      const second = await c.push((p) => p.channel === ch && (p.pub as JsonObject).key === "b");
      assert.deepEqual(first.pub, { data: 1, offset: 1, key: "a", epoch: live.epoch });
      assert.deepEqual(second.pub, { data: 2, offset: 2, key: "b" });
    } finally {
      c.close();
    }
  });

  test("map_users subscriptions use type 3; ephemeral replies carry no offsets", async () => {
    await putKey(srv, "users:room", "alice", { here: true });
    const c = await connectedRaw();
    try {
      const live = sub(await subscribe(c, { channel: "users:room", type: 3, phase: 2 }));
      assert.equal(live.type, 1);
      assert.equal(live.recoverable, undefined);
      assert.deepEqual(live.state, [{ data: { here: true }, key: "alice" }]);
      assert.ok(live.epoch);
    } finally {
      c.close();
    }
  });

  test("fossil delta: state values as JSON strings, later changes of a key as patches", async () => {
    const ch = "diff:doc";
    const value = (n: number) => ({ text: "lorem ipsum dolor sit amet ".repeat(10), n });
    await putKey(srv, ch, "doc", value(0), true);
    const c = await connectedRaw();
    try {
      const live = sub(await subscribe(c, { channel: ch, type: 1, phase: 2, delta: "fossil" }));
      assert.equal(live.delta, true);
      assert.deepEqual((live.state as JsonObject[])[0]?.data, JSON.stringify(value(0)));
      await putKey(srv, ch, "doc", value(1), true);
      await putKey(srv, ch, "new", value(2), true);
      await srv.server.node.maps.remove(ch, "doc", {});
      const pubOf = async (offset: number) =>
        (await c.push((p) => p.channel === ch && (p.pub as JsonObject).offset === offset)).pub as JsonObject;
      const patch = await pubOf(2);
      assert.equal(patch.delta, true);
      assert.equal(typeof patch.data, "string");
      const whole = await pubOf(3);
      assert.equal(whole.delta, undefined, "a new key's first value is sent whole");
      assert.equal(whole.data, JSON.stringify(value(2)));
      assert.deepEqual(await pubOf(4), { offset: 4, key: "doc", removed: true });
    } finally {
      c.close();
    }
  });
});
