import assert from "node:assert/strict";
import { test } from "node:test";
import type { Publication } from "../../src/core/publication.js";
import type { MapPublication } from "../../src/map-broker/types.js";
import { sample, scrape } from "../helpers/prometheus.js";
import { fakeClient, post } from "./http-json-fixtures.js";
import { bad, entry, type Json, type MapApiContext } from "./map-api-fixtures.js";

/** Around the calls: delivery to subscribers, batch and the legacy route, metrics. */
export function mapDeliveryCases(ctx: MapApiContext): void {
  test("writes reach the channel's subscribers, with the previous value when delta is asked or forced", async () => {
    const deliveries: { key: string; removed: boolean; offset: number; delta: boolean; prev?: string }[] = [];
    const { client } = fakeClient(ctx.srv(), "map-watcher", "watcher");
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
    await ctx.srv().server.node.addSubscribers([subscriber("deltas:live"), subscriber("board:live")]);
    try {
      for (const s of ["http-json", "grpc-js"].map((name) => ctx.surfaces().find((x) => x.name === name)!)) {
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
      await ctx.srv().server.node.removeSubscriber("deltas:live", "map-watcher");
      await ctx.srv().server.node.removeSubscriber("board:live", "map-watcher");
      ctx.srv().server.node.hub.removeClient(client);
    }
  });

  test("batch and the legacy /api route run the map methods", async () => {
    await ctx.each(async (s, call) => {
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
    const res = await post(ctx.srv(), "/api", body);
    const replies = res.text.split("\n").map((line) => JSON.parse(line));
    const epoch = replies[0].result.epoch;
    assert.deepEqual(replies[0], { id: 1, result: { offset: 1, epoch } });
    assert.deepEqual(replies[1], { id: 2, result: { num_keys: 1 } });
    assert.equal(replies[2].result.entries[0].key, "k");
    assert.deepEqual(replies[2].result.entries[0].data, { n: 1 });
  });

  test("every map call is counted by protocol and method in the API metrics", async () => {
    const metrics = await scrape(`${ctx.srv().url}/metrics`);
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
}
