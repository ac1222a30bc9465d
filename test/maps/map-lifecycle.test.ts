import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { centrifugeClient, connected, eventWhere } from "../helpers/centrifuge-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { mapView, putKey } from "./map-view.js";

let srv: TestServer;
before(async () => {
  srv = await startTestServer({
    client: { insecure: true },
    channel: {
      namespaces: [
        {
          name: "room",
          subscription_type: "map",
          presence: true,
          join_leave: true,
          force_push_join_leave: true,
          map: { mode: "recoverable", key_ttl: "60s", remove_client_on_unsubscribe: true },
        },
      ],
    },
  });
});
after(() => srv.close());

describe("map subscriptions in channel presence", () => {
  test("presence, join and leave, and the client's key removed when it unsubscribes or goes away", async () => {
    const ch = "room:lobby";
    const watcher = centrifugeClient(srv.url, "json");
    const leaver = centrifugeClient(srv.url, "protobuf");
    const dropper = centrifugeClient(srv.url, "json");
    try {
      const watched = mapView(watcher, ch);
      watched.sub.subscribe();
      const { client: watcherId } = await connected(watcher);
      await watched.until("the initial sync", (v) => v.syncs === 1);
      assert.deepEqual([...(await srv.server.node.presence(ch)).keys()], [watcherId]);

      const joined = eventWhere<{ info: { client: string } }>(
        watched.sub,
        "join",
        (j) => j.info.client !== watcherId,
      );
      const leaving = mapView(leaver, ch);
      leaving.sub.subscribe();
      const { client: leaverId } = await connected(leaver);
      await leaving.until("the initial sync", (v) => v.syncs === 1);
      assert.equal((await joined).info.client, leaverId);
      await putKey(srv, ch, leaverId, { cursor: [1, 2] });
      await watched.until("the leaver's key", (v) => v.entries.has(leaverId));

      const left = eventWhere<{ info: { client: string } }>(
        watched.sub,
        "leave",
        (l) => l.info.client !== watcherId,
      );
      leaving.sub.unsubscribe();
      await watched.until("the leaver's key removed", (v) => !v.entries.has(leaverId));
      assert.equal((await left).info.client, leaverId);

      const dropping = mapView(dropper, ch);
      dropping.sub.subscribe();
      const { client: dropperId } = await connected(dropper);
      await dropping.until("the initial sync", (v) => v.syncs === 1);
      await putKey(srv, ch, dropperId, { cursor: [3, 4] });
      await watched.until("the dropper's key", (v) => v.entries.has(dropperId));
      dropper.disconnect();
      await watched.until("the dropper's key removed", (v) => !v.entries.has(dropperId));
      assert.deepEqual([...(await srv.server.node.presence(ch)).keys()], [watcherId]);
    } finally {
      watcher.disconnect();
      leaver.disconnect();
      dropper.disconnect();
    }
  });
});
