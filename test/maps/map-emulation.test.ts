import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { nextEvent } from "../helpers/centrifuge-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { emulationClient } from "../helpers/transport-clients.js";
import { mapView, putKey, removeKey } from "./map-view.js";

let srv: TestServer;
before(async () => {
  srv = await startTestServer({
    client: { insecure: true },
    http_stream: { enabled: true },
    sse: { enabled: true },
    channel: {
      namespaces: [{ name: "board", subscription_type: "map", map: { mode: "recoverable", key_ttl: "60s" } }],
    },
  });
});
after(() => srv.close());

const cases = [
  { transport: "http_stream", protocol: "json" },
  { transport: "http_stream", protocol: "protobuf" },
  { transport: "sse", protocol: "json" },
] as const;

for (const { transport, protocol } of cases) {
  describe(`map subscriptions over ${transport} (${protocol}, bidirectional emulation)`, () => {
    test("paged state, live changes, and stream catch-up after a reconnect", async () => {
      const ch = `board:${transport}-${protocol}`;
      for (let i = 0; i < 150; i++) await putKey(srv, ch, `k${i}`, { i });
      const c = emulationClient(srv.url, transport, protocol);
      try {
        const view = mapView(c, ch, { pageSize: 100 });
        view.sub.subscribe();
        c.connect();
        await view.until("the initial sync", (v) => v.syncs === 1);
        assert.equal(view.entries.size, 150);
        await putKey(srv, ch, "k7", { i: 707 });
        await removeKey(srv, ch, "k8");
        await view.until("a change and a removal", (v) => v.updates.length === 2);
        const gone = nextEvent(c, "disconnected");
        c.disconnect();
        await gone;
        await putKey(srv, ch, "away", { a: 1 });
        const back = nextEvent<{ recovered: boolean }>(view.sub, "subscribed");
        c.connect();
        assert.equal((await back).recovered, true);
        await view.until("the missed change", (v) => v.entries.has("away"));
        assert.equal(view.syncs, 1);
        assert.deepEqual(view.entries.get("k7"), { i: 707 });
        assert.equal(view.entries.has("k8"), false);
        assert.equal(view.entries.size, 150);
      } finally {
        c.disconnect();
      }
    });
  });
}
