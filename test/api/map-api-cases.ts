import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Publication } from "../../src/core/publication.js";
import type { MapPublication } from "../../src/map-broker/types.js";
import { sample, scrape } from "../helpers/prometheus.js";
import { waitUntil } from "../helpers/redis-servers.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { type ApiSurface, apiSurfaces } from "./api-surfaces.js";
import { fakeClient, post } from "./http-json-fixtures.js";

// biome-ignore lint/suspicious/noExplicitAny: protobuf JSON of any response
type Json = any;

/** Map namespaces of each mode, short lifetimes where expiry is shown, and a stream namespace beside them. */
export const mapNamespaces = [
  { name: "board", subscription_type: "map", map: { mode: "persistent" } },
  { name: "rec", subscription_type: "map", map: { mode: "recoverable", key_ttl: "60s", stream_size: 3 } },
  { name: "brief", subscription_type: "map", map: { mode: "recoverable", key_ttl: "1s" } },
  {
    name: "fleeting",
    subscription_type: "map",
    map: { mode: "recoverable", key_ttl: "60s", stream_ttl: "1s" },
  },
  { name: "deltas", subscription_type: "map", delta_publish: true, map: { mode: "persistent" } },
  { name: "eph", subscription_type: "map", map: { mode: "ephemeral", key_ttl: "1s" } },
  { name: "chat", history_size: 10, history_ttl: "300s" },
];

const num = (v: unknown) => Number(v ?? 0);
const value = (b64: string | undefined) => JSON.parse(Buffer.from(b64 ?? "", "base64").toString());

/** An entry as the tests compare it: the payload decoded, positions as numbers, time left out. */
function entry(e: Json) {
  return {
    key: e.key,
    data: e.removed ? undefined : value(e.data),
    tags: e.tags ?? {},
    offset: num(e.offset),
    removed: e.removed ?? false,
  };
}

const bad = { error: { code: 107, message: "bad request" } };
const unrecoverable = { error: { code: 112, message: "unrecoverable position" } };

/**
 * The map API suite, run over every surface of one server (grpc-js, gRPC,
 * gRPC-Web, Connect JSON and binary, HTTP JSON), each surface on channels of
 * its own. `config` chooses the map broker; `exactTrim` when it trims a
 * stream to exactly `stream_size` (Redis trims approximately, keeping more).
 */
export function mapApiCases(
  label: string,
  config: () => Promise<Record<string, unknown>>,
  o: { exactTrim: boolean },
): void {
  describe(`map API (${label})`, () => {
    let srv: TestServer;
    let surfaces: ApiSurface[];
    let closeSurfaces: () => void;

    before(async () => {
      srv = await startTestServer({
        ...(await config()),
        prometheus: { enabled: true },
        channel: { namespaces: mapNamespaces },
      });
      ({ surfaces, close: closeSurfaces } = apiSurfaces(srv));
    });
    after(async () => {
      closeSurfaces();
      await srv.close();
    });

    const each = async (
      run: (s: ApiSurface, call: (m: string, r: Json) => Promise<Json>) => Promise<void>,
    ) => {
      for (const surface of surfaces) {
        await run(surface, (method, request) => surface.call(method, request) as Promise<Json>);
      }
    };

    test("publish, read state, stats, remove and read the stream on a persistent map", async () => {
      await each(async (s, call) => {
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

    test("a state larger than a page is read page by page with the cursor, each key once", async () => {
      // Over 512 keys: Redis answers a smaller (listpack) hash whole, whatever the page size.
      const keys = Array.from({ length: 600 }, (_, n) => `key-${String(n).padStart(3, "0")}`);
      const channel = "board:pages";
      const http = surfaces.find((s) => s.name === "http-json")!;
      const written = (await http.call("Batch", {
        commands: keys.map((key, n) => ({ map_publish: { channel, key, data: { n } } })),
      })) as Json;
      assert.ok(
        written.replies.every((r: Json) => r.map_publish),
        "every key written",
      );
      await each(async (s, call) => {
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

    test("writes reach the channel's subscribers, with the previous value when delta is asked or forced", async () => {
      const deliveries: { key: string; removed: boolean; offset: number; delta: boolean; prev?: string }[] =
        [];
      const { client } = fakeClient(srv, "map-watcher", "watcher");
      let wake: (() => void) | undefined;
      const subscriber = (channel: string) => ({
        client,
        channel,
        recheckPosition: () => {},
        deliverPublication(pub: Publication, _at: unknown, delta: boolean, prev: Publication | undefined) {
          const { key, removed } = pub as MapPublication;
          const before = prev ? Buffer.from(prev.data).toString() : undefined;
          deliveries.push({ key, removed, offset: pub.offset, delta, ...(before ? { prev: before } : {}) });
          wake?.();
        },
        deliverJoin: () => {},
        deliverLeave: () => {},
      });
      const received = async (count: number) => {
        const deadline = Date.now() + 5000;
        while (deliveries.length < count && Date.now() < deadline) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, 100);
          });
        }
        return deliveries.splice(0, count);
      };
      await srv.server.node.addSubscribers([subscriber("deltas:live"), subscriber("board:live")]);
      try {
        for (const s of ["http-json", "grpc-js"].map((name) => surfaces.find((x) => x.name === name)!)) {
          const call = (method: string, request: Json) => s.call(method, request) as Promise<Json>;
          const key = `k-${s.name}`;
          await call("MapPublish", { channel: "deltas:live", key, data: { v: 1 } });
          await call("MapPublish", { channel: "deltas:live", key, data: { v: 2 } });
          await call("MapPublish", { channel: "board:live", key, data: { v: 1 } });
          await call("MapPublish", { channel: "board:live", key, data: { v: 2 } });
          await call("MapPublish", { channel: "board:live", key, data: { v: 3 }, delta: true });
          await call("MapPublish", { channel: "board:live", key, data: {}, key_mode: "if_new" });
          await call("MapRemove", { channel: "board:live", key });
          const [d, b] = s.name === "http-json" ? [0, 0] : [2, 4];
          assert.deepEqual(
            await received(6),
            [
              { key, removed: false, offset: d + 1, delta: false },
              { key, removed: false, offset: d + 2, delta: true, prev: '{"v":1}' },
              { key, removed: false, offset: b + 1, delta: false },
              { key, removed: false, offset: b + 2, delta: false },
              { key, removed: false, offset: b + 3, delta: true, prev: '{"v":2}' },
              { key, removed: true, offset: b + 4, delta: false },
            ],
            `${s.name}: the suppressed if_new write sends nothing`,
          );
        }
      } finally {
        await srv.server.node.removeSubscriber("deltas:live", "map-watcher");
        await srv.server.node.removeSubscriber("board:live", "map-watcher");
        srv.server.node.hub.removeClient(client);
      }
    });

    test("tags travel with the key; b64data replaces data", async () => {
      await each(async (s, call) => {
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
      await each(async (s, call) => {
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
      await each(async (s, call) => {
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

    test("a position from another epoch is 112", async () => {
      await each(async (s, call) => {
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
      await each(async (s, call) => {
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
      const http = surfaces.find((s) => s.name === "http-json")!;
      await waitUntil(
        "the stream to expire",
        async () =>
          !((await http.call("MapReadStream", { channel: "fleeting:lobby-http-json", limit: -1 })) as Json)
            .result.entries,
        10_000,
      );
      await each(async (s, call) => {
        const channel = `fleeting:lobby-${s.name}`;
        const epoch = written.get(s);
        const lost = await call("MapReadStream", { channel, since_offset: 1, since_epoch: epoch, limit: -1 });
        assert.deepEqual(lost, unrecoverable, s.name);
        const top = await call("MapReadStream", { channel, since_offset: 3, since_epoch: epoch, limit: -1 });
        assert.deepEqual(
          top,
          { result: { offset: "3", epoch } },
          `${s.name}: nothing was lost after the top`,
        );
        assert.deepEqual(
          await call("MapStats", { channel }),
          { result: { num_keys: 3 } },
          `${s.name}: keys stay`,
        );
      });
    });

    if (o.exactTrim) {
      test("reading the stream after a position trimmed by stream_size is 112", async () => {
        await each(async (s, call) => {
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
      await each(async (s, call) => {
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
      const surface = surfaces.find((s) => s.name === "http-json")!;
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

    test("batch and the legacy /api route run the map methods", async () => {
      await each(async (s, call) => {
        const channel = `board:batch-${s.name}`;
        const batch = await call("Batch", {
          commands: [
            { map_publish: { channel, key: "a", data: { n: 1 } } },
            { map_stats: { channel } },
            { map_read_state: { channel, limit: -1 } },
            { map_remove: { channel, key: "missing" } },
            { map_clear: { channel: "chat:x" } },
          ],
        });
        const [published, stats, state, removed, refused] = batch.result?.replies ?? batch.replies;
        assert.equal(published.map_publish.offset, "1", s.name);
        assert.deepEqual(stats, { map_stats: { num_keys: 1 } }, s.name);
        assert.deepEqual(state.map_read_state.entries.map(entry), [
          { key: "a", data: { n: 1 }, tags: {}, offset: 1, removed: false },
        ]);
        assert.equal(removed.map_remove.suppress_reason, "key_not_found", s.name);
        assert.deepEqual(refused, bad, s.name);
      });
      const body = [
        '{"id":1,"method":"map_publish","params":{"channel":"board:legacy","key":"k","data":{"n":1}}}',
        '{"id":2,"method":37,"params":{"channel":"board:legacy"}}',
        '{"id":3,"method":"map_read_state","params":{"channel":"board:legacy","limit":-1}}',
      ].join("\n");
      const res = await post(srv, "/api", body);
      const replies = res.text.split("\n").map((line) => JSON.parse(line));
      const epoch = replies[0].result.epoch;
      assert.deepEqual(replies[0], { id: 1, result: { offset: 1, epoch } });
      assert.deepEqual(replies[1], { id: 2, result: { num_keys: 1 } });
      assert.equal(replies[2].result.entries[0].key, "k");
      assert.deepEqual(replies[2].result.entries[0].data, { n: 1 });
    });

    test("every map call is counted by protocol and method in the API metrics", async () => {
      const metrics = await scrape(`${srv.url}/metrics`);
      const methods = [
        "map_publish",
        "map_remove",
        "map_read_state",
        "map_read_stream",
        "map_stats",
        "map_clear",
      ];
      for (const protocol of ["http_json", "grpc", "grpc_web", "connect_json", "connect_proto"]) {
        for (const method of methods) {
          const count = sample(metrics, "centrifugo_api_command_duration_seconds_count", {
            protocol,
            method,
          });
          assert.ok((count ?? 0) > 0, `${protocol} ${method}: ${count}`);
        }
        const refused = { protocol, method: "map_publish", error: "107" };
        assert.ok((sample(metrics, "centrifugo_api_command_errors_total", refused) ?? 0) > 0, protocol);
      }
    });
  });
}
