import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Centrifuge, FilterNode } from "centrifuge";
import { centrifugeClient, clientProtocols, nextEvent } from "../helpers/centrifuge-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { mapView } from "./map-view.js";

const red: FilterNode = { key: "team", cmp: "eq", val: "red" };
const encoder = new TextEncoder();

let srv: TestServer;
before(async () => {
  srv = await startTestServer({
    client: { insecure: true },
    channel: {
      namespaces: [
        { name: "teams", subscription_type: "map", map: { mode: "persistent" }, allow_tags_filter: true },
        { name: "plain", subscription_type: "map", map: { mode: "persistent" } },
      ],
    },
  });
});
after(() => srv.close());

/** Writes a key tagged with its team. */
const put = (channel: string, key: string, team: string, value: unknown) =>
  srv.server.node.maps.publish(channel, key, { data: encoder.encode(JSON.stringify(value)), tags: { team } });

for (const protocol of clientProtocols) {
  describe(`tags filters on map subscriptions over ${protocol}`, () => {
    test("state pages, live changes and removals pass through the filter", async () => {
      const ch = `teams:${protocol}-live`;
      for (let i = 0; i < 240; i++)
        await put(ch, `p${String(i).padStart(3, "0")}`, i % 2 ? "blue" : "red", { i });
      const c = centrifugeClient(srv.url, protocol);
      try {
        const view = mapView(c, ch, { pageSize: 100, tagsFilter: red });
        view.sub.subscribe();
        c.connect();
        await view.until("the initial sync", (v) => v.syncs === 1);
        assert.equal(view.entries.size, 120, "only the red half of the state");
        assert.ok([...view.entries.keys()].every((k) => Number(k.slice(1)) % 2 === 0));
        await put(ch, "blue-new", "blue", { x: 1 });
        await put(ch, "red-new", "red", { x: 2 });
        await srv.server.node.maps.remove(ch, "p000", {});
        await srv.server.node.maps.remove(ch, "p001", {});
        await view.until("the red write and the red removal", (v) => v.updates.length >= 2);
        await new Promise((resolve) => setTimeout(resolve, 200));
        assert.deepEqual(
          view.updates.map((u) => [u.key, u.removed]),
          [
            ["red-new", false],
            ["p000", true],
          ],
          "a blue change and the removal of a blue key never reach a red filter",
        );
      } finally {
        c.disconnect();
      }
    });

    test("changes missed while away are recovered through the filter", async () => {
      const ch = `teams:${protocol}-recover`;
      await put(ch, "a", "red", { v: 1 });
      const c: Centrifuge = centrifugeClient(srv.url, protocol);
      try {
        const view = mapView(c, ch, { tagsFilter: red });
        view.sub.subscribe();
        c.connect();
        await view.until("the initial sync", (v) => v.syncs === 1);
        const gone = nextEvent(c, "disconnected");
        c.disconnect();
        await gone;
        await put(ch, "b", "blue", { v: 2 });
        await put(ch, "c", "red", { v: 3 });
        c.connect();
        await view.until("the recovered red change", (v) => v.updates.length >= 1);
        assert.equal(view.syncs, 1, "recovered from the stream, no new sync");
        assert.deepEqual(
          view.updates.map((u) => u.key),
          ["c"],
        );
      } finally {
        c.disconnect();
      }
    });

    test("a filter on a map namespace without allow_tags_filter is refused with 107", async () => {
      const c = centrifugeClient(srv.url, protocol);
      try {
        const view = mapView(c, `plain:${protocol}`, { tagsFilter: red });
        const unsubscribed = nextEvent<{ code: number }>(view.sub, "unsubscribed");
        view.sub.subscribe();
        c.connect();
        assert.equal((await unsubscribed).code, 107);
      } finally {
        c.disconnect();
      }
    });
  });
}
