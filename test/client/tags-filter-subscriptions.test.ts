import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { FilterNode, Subscription } from "centrifuge";
import { httpApi } from "../helpers/api-clients.js";
import {
  centrifugeClient,
  clientProtocols,
  collectPublications,
  nextEvent,
  subscribed,
} from "../helpers/centrifuge-clients.js";
import { sample, scrape } from "../helpers/prometheus.js";
import { waitUntil } from "../helpers/redis-servers.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { rawClient } from "./raw-websocket.js";

const stream = { history_size: 50, history_ttl: "300s", allow_tags_filter: true };

let srv: TestServer;
before(async () => {
  srv = await startTestServer({
    client: { insecure: true },
    prometheus: { enabled: true },
    channel: {
      namespaces: [
        { name: "tagged", ...stream, force_recovery: true, allow_history_for_client: true },
        { name: "cached", ...stream, force_recovery: true, force_recovery_mode: "cache" },
        { name: "plain", history_size: 50, history_ttl: "300s", force_recovery: true },
        { name: "deltas", ...stream, allow_recovery: true, allowed_delta_types: ["fossil"] },
      ],
    },
  });
});
after(() => srv.close());

/** Publications with their tags, numbered by `id` in their data. */
const items: { id: number; tags: Record<string, string> }[] = [
  { id: 1, tags: { kind: "a", price: "10", name: "alpha" } },
  { id: 2, tags: { kind: "b", price: "10.5", name: "beta" } },
  { id: 3, tags: { kind: "c", price: "x", name: "gamma" } },
  { id: 4, tags: {} },
  { id: 5, tags: { kind: "a", price: "-3", name: "alphabet" } },
];

const leaf = (cmp: NonNullable<FilterNode["cmp"]>, key: string, val: string | string[]): FilterNode =>
  Array.isArray(val) ? { key, cmp, vals: val } : val === "" ? { key, cmp } : { key, cmp, val };

/** One filter per operator and the ids of `items` it lets through. */
const cases: { name: string; filter: FilterNode; ids: number[] }[] = [
  { name: "eq", filter: leaf("eq", "kind", "a"), ids: [1, 5] },
  { name: "neq", filter: leaf("neq", "kind", "a"), ids: [2, 3, 4] },
  { name: "in", filter: leaf("in", "kind", ["a", "b"]), ids: [1, 2, 5] },
  { name: "nin", filter: leaf("nin", "kind", ["a", ""]), ids: [2, 3] },
  { name: "ex", filter: leaf("ex", "price", ""), ids: [1, 2, 3, 5] },
  { name: "nex", filter: leaf("nex", "price", ""), ids: [4] },
  { name: "sw", filter: leaf("sw", "name", "alp"), ids: [1, 5] },
  { name: "ew", filter: leaf("ew", "name", "ta"), ids: [2] },
  { name: "ct", filter: leaf("ct", "name", "mm"), ids: [3] },
  { name: "gt", filter: leaf("gt", "price", "10"), ids: [2] },
  { name: "gte", filter: leaf("gte", "price", "10.0"), ids: [1, 2] },
  { name: "lt", filter: leaf("lt", "price", "10"), ids: [5] },
  { name: "lte", filter: leaf("lte", "price", "10"), ids: [1, 5] },
  {
    name: "and",
    filter: { op: "and", nodes: [leaf("eq", "kind", "a"), leaf("gt", "price", "0")] },
    ids: [1],
  },
  {
    name: "or",
    filter: { op: "or", nodes: [leaf("eq", "kind", "b"), leaf("eq", "name", "gamma")] },
    ids: [2, 3],
  },
  { name: "not", filter: { op: "not", nodes: [leaf("ex", "kind", "")] }, ids: [4] },
];

/** Publishes `items` (ids shifted by `base`) to every channel at once with the HTTP API's broadcast. */
async function broadcastItems(channels: string[], base = 0) {
  for (const item of items) {
    const body = { channels, data: { id: base + item.id }, tags: item.tags };
    const res = await httpApi(srv.url, "broadcast", body, { "X-API-Key": srv.apiKey });
    assert.equal(res.status, 200, res.text);
  }
}

/** Counts how often a subscription went back to subscribing (a resubscribe after a reported gap). */
function resubscribes(sub: Subscription) {
  const seen = { count: 0 };
  sub.on("subscribing", () => {
    seen.count += 1;
  });
  return seen;
}

const idsOf = (pubs: { data: unknown }[]) => pubs.map((p) => (p.data as { id: number }).id);

/** A reply's error code for a subscribe with this `tf`, over a bare WebSocket. */
async function subscribeError(protocol: "json" | "protobuf", channel: string, tf: object) {
  const c = await rawClient(srv.url, protocol);
  try {
    c.send({ id: 1, connect: {} }, { id: 2, subscribe: { channel, tf } });
    const reply = await c.reply(2);
    return (reply.error as { code?: number } | undefined)?.code;
  } finally {
    c.close();
  }
}

/** A protobuf subscribe command whose `tf` nests `depth` `not` nodes, written byte by byte (encoders refuse such depth). */
function deepSubscribeFrame(channel: string, depth: number): Uint8Array {
  const varint = (n: number) => {
    const out: number[] = [];
    for (; n >= 0x80; n >>>= 7) out.push((n & 0x7f) | 0x80);
    return [...out, n];
  };
  const field = (tag: number, bytes: Uint8Array) =>
    Buffer.concat([Buffer.from([tag, ...varint(bytes.length)]), bytes]);
  let node = Buffer.concat([field(0x12, Buffer.from("price")), field(0x1a, Buffer.from("nex"))]);
  for (let i = 0; i < depth; i++) node = Buffer.concat([field(0x0a, Buffer.from("not")), field(0x32, node)]);
  const command = Buffer.concat([
    Buffer.from([0x08, 2]),
    field(0x2a, Buffer.concat([field(0x0a, Buffer.from(channel)), field(0x6a, node)])),
  ]);
  return Buffer.concat([Buffer.from(varint(command.length)), command]);
}

for (const protocol of clientProtocols) {
  describe(`tags filter over ${protocol}`, () => {
    test("each operator lets through exactly the live publications whose tags pass it, with no gap reported", async () => {
      const client = centrifugeClient(srv.url, protocol);
      try {
        const channel = (name: string) => `tagged:${name}-${protocol}`;
        const subs = await Promise.all(
          cases.map(async (c) => {
            const { sub } = await subscribed(client, channel(c.name), { tagsFilter: c.filter });
            return { c, sub, pubs: collectPublications(sub), again: resubscribes(sub) };
          }),
        );
        const dropped = async () =>
          sample(await scrape(`${srv.url}/metrics`), "centrifugo_node_tags_filter_dropped_publications", {
            channel_namespace: "",
          }) ?? 0;
        const droppedBefore = await dropped();
        await broadcastItems(cases.map((c) => channel(c.name)));
        // A second round: the subscriptions go on past publications they filtered out.
        await broadcastItems(
          cases.map((c) => channel(c.name)),
          10,
        );
        for (const { c, sub, pubs, again } of subs) {
          const expected = [...c.ids, ...c.ids.map((id) => id + 10)];
          const got = await pubs.take(expected.length);
          assert.deepEqual(idsOf(got), expected, c.name);
          // Offsets are the stream's: a filtered-out publication keeps its offset and causes no resubscribe.
          assert.deepEqual(
            got.map((p) => p.offset),
            expected.map((id) => (id > 10 ? id - 10 + items.length : id)),
            c.name,
          );
          assert.equal(again.count, 0, `${c.name} resubscribed`);
          assert.equal(sub.state, "subscribed");
        }
        // Counted once per broadcast: every subscriber that rejected a publication, both rounds (over
        // Redis the last rejected ones may still be on their way).
        const rejected = cases.reduce((sum, c) => sum + 2 * (items.length - c.ids.length), 0);
        await waitUntil(
          "rejections counted",
          async () => (await dropped()) - droppedBefore >= rejected,
          5000,
        );
        assert.equal((await dropped()) - droppedBefore, rejected);
      } finally {
        client.disconnect();
      }
    });

    test("a filter on a namespace without allow_tags_filter is refused with 107", async () => {
      const client = centrifugeClient(srv.url, protocol);
      try {
        const sub = client.newSubscription(`plain:${protocol}`, { tagsFilter: leaf("eq", "kind", "a") });
        const unsubscribed = nextEvent<{ code: number }>(sub, "unsubscribed");
        sub.subscribe();
        client.connect();
        assert.equal((await unsubscribed).code, 107);
        const { sub: unfiltered } = await subscribed(client, `plain:ok-${protocol}`);
        assert.equal(unfiltered.state, "subscribed");
      } finally {
        client.disconnect();
      }
    });

    test("an invalid filter is refused with 107 and a valid one of each shape is accepted", async () => {
      const invalid: object[] = [
        { op: "xor", nodes: [{ key: "k", cmp: "ex" }] },
        { key: "k" },
        { key: "k", cmp: "like", val: "x" },
        { key: "k", cmp: "eq" },
        { cmp: "eq", val: "x" },
        { key: "k", cmp: "eq", val: "x", vals: ["y"] },
        { key: "k", cmp: "in", val: "x" },
        { key: "k", cmp: "nin" },
        { key: "k", cmp: "ex", val: "x" },
        { op: "and" },
        {
          op: "not",
          nodes: [
            { key: "k", cmp: "ex" },
            { key: "j", cmp: "ex" },
          ],
        },
        { op: "or", nodes: [{ key: "k", cmp: "ex" }, { op: "and" }] },
      ];
      for (const [i, tf] of invalid.entries()) {
        assert.equal(
          await subscribeError(protocol, `tagged:bad${i}-${protocol}`, tf),
          107,
          JSON.stringify(tf),
        );
      }
      const valid: object[] = [
        { cmp: "ex" },
        { op: "not", nodes: [{ key: "k", cmp: "in", vals: ["", "x"] }] },
        {
          op: "or",
          nodes: [
            { key: "k", cmp: "gte", val: "1.5" },
            { key: "k", cmp: "nex" },
          ],
        },
      ];
      for (const [i, tf] of valid.entries()) {
        assert.equal(
          await subscribeError(protocol, `tagged:good${i}-${protocol}`, tf),
          undefined,
          JSON.stringify(tf),
        );
      }
    });

    test("a deeply nested filter works; one nested past the decoder's limit is a bad request, not a crash", async () => {
      const nested = (depth: number) => {
        let tf: object = { key: "price", cmp: "nex" };
        for (let i = 0; i < depth; i++) tf = { op: "not", nodes: [tf] };
        return tf;
      };
      const channel = `tagged:deep-${protocol}`;
      const c = await rawClient(srv.url, protocol);
      try {
        c.send({ id: 1, connect: {} }, { id: 2, subscribe: { channel, tf: nested(50) } });
        assert.ok((await c.reply(2)).subscribe);
        await broadcastItems([channel]);
        const pub = await c.push((p) => p.pub !== undefined);
        assert.equal(String((pub.pub as { offset?: unknown }).offset), "4");
      } finally {
        c.close();
      }
      const rude = await rawClient(srv.url, protocol);
      rude.send({ id: 1, connect: {} });
      if (protocol === "json")
        rude.send({ id: 2, subscribe: { channel: `${channel}-rude`, tf: nested(200) } });
      else rude.sendRaw(deepSubscribeFrame(`${channel}-rude`, 200));
      assert.equal((await rude.closed).code, 3501);
    });

    test("recovery returns only the missed publications that pass the filter; the history command is not filtered", async () => {
      const channel = `tagged:recover-${protocol}`;
      const client = centrifugeClient(srv.url, protocol);
      try {
        const { sub } = await subscribed(client, channel, { tagsFilter: leaf("in", "kind", ["a", "c"]) });
        const pubs = collectPublications(sub);
        await broadcastItems([channel]);
        await pubs.take(3);
        const disconnected = nextEvent(client, "disconnected");
        client.disconnect();
        await disconnected;
        await broadcastItems([channel], 10);
        const resubscribed = nextEvent<{ recovered: boolean; wasRecovering: boolean }>(sub, "subscribed");
        client.connect();
        const ctx = await resubscribed;
        assert.deepEqual([ctx.wasRecovering, ctx.recovered], [true, true]);
        const all = await pubs.take(6);
        assert.deepEqual(idsOf(all), [1, 3, 5, 11, 13, 15]);
        assert.deepEqual(
          all.map((p) => p.offset),
          [1, 3, 5, 6, 8, 10],
        );
        const history = await sub.history({ limit: -1 });
        assert.equal(history.publications.length, 10);
        await broadcastItems([channel], 20);
        assert.deepEqual(idsOf(await pubs.take(9)).slice(6), [21, 23, 25]);
      } finally {
        client.disconnect();
      }
    });

    test("a delta subscriber keeps its delta chain: it gets every live publication, but recovery is filtered", async () => {
      // centrifuge-js refuses delta with a filter; the server accepts the pair, as Centrifugo does.
      const channel = `deltas:${protocol}`;
      const c = await rawClient(srv.url, protocol);
      try {
        const tf = leaf("eq", "kind", "a");
        c.send(
          { id: 1, connect: {} },
          { id: 2, subscribe: { channel, recoverable: true, delta: "fossil", tf } },
        );
        const epoch = ((await c.reply(2)).subscribe as { epoch: string }).epoch;
        await broadcastItems([channel]);
        for (const offset of ["1", "2", "3", "4", "5"]) {
          await c.push((p) => String((p.pub as { offset?: unknown } | undefined)?.offset) === offset);
        }
        const since = { recover: true, offset: 0, epoch };
        c.send(
          { id: 3, unsubscribe: { channel } },
          { id: 4, subscribe: { channel, recoverable: true, delta: "fossil", tf, ...since } },
        );
        const recovered = (await c.reply(4)).subscribe as { publications: { offset: unknown }[] };
        assert.deepEqual(
          recovered.publications.map((p) => Number(p.offset)),
          [1, 5],
        );
      } finally {
        c.close();
      }
    });

    test("cache recovery returns the newest publication that passes the filter", async () => {
      const channel = `cached:${protocol}`;
      const client = centrifugeClient(srv.url, protocol);
      try {
        const { sub } = await subscribed(client, channel, { tagsFilter: leaf("eq", "kind", "b") });
        const pubs = collectPublications(sub);
        const disconnected = nextEvent(client, "disconnected");
        client.disconnect();
        await disconnected;
        await broadcastItems([channel]);
        const resubscribed = nextEvent<{ recovered: boolean }>(sub, "subscribed");
        client.connect();
        assert.equal((await resubscribed).recovered, true);
        const [latest] = await pubs.take(1);
        assert.deepEqual([latest!.data, latest!.offset], [{ id: 2 }, 2]);
      } finally {
        client.disconnect();
      }
    });
  });
}
