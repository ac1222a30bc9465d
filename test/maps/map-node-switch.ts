import assert from "node:assert/strict";
import { test } from "node:test";
import WebSocket from "ws";
import { centrifugeClient, nextEvent } from "../helpers/centrifuge-clients.js";
import type { TestServer } from "../helpers/server.js";
import { mapView, putKey } from "./map-view.js";

/**
 * The test that a map subscriber recovers across nodes of one map broker:
 * it syncs on node A, goes away, keys change on node B, and it reconnects
 * to B and resumes from its position (configured with mapSuiteNamespaces).
 */
export function resumesOnTheOtherNode(nodeA: () => TestServer, nodeB: () => TestServer): void {
  test("a subscriber that reconnects to the other node resumes from its position", async () => {
    const ch = "recov:moving";
    for (let i = 0; i < 5; i++) await putKey(nodeA(), ch, `k${i}`, { i });
    let target = nodeA();
    // One SDK client whose WebSocket goes to whichever node `target` is when it (re)connects.
    class Routed extends WebSocket {
      constructor(_url: string, protocols?: string | string[]) {
        super(`${target.url.replace(/^http/, "ws")}/connection/websocket`, protocols);
      }
    }
    const c = centrifugeClient(nodeA().url, "json", { websocket: Routed });
    try {
      const view = mapView(c, ch);
      view.sub.subscribe();
      c.connect();
      await view.until("the initial sync", (v) => v.syncs === 1);
      const gone = nextEvent(c, "disconnected");
      c.disconnect();
      await gone;
      await putKey(nodeB(), ch, "k1", { i: 11 });
      await putKey(nodeB(), ch, "k5", { i: 5 });
      target = nodeB();
      const back = nextEvent<{ recovered: boolean }>(view.sub, "subscribed");
      c.connect();
      assert.equal((await back).recovered, true);
      await view.until("the changes made on node B", (v) => v.updates.length === 2);
      assert.equal(view.syncs, 1);
      assert.deepEqual(view.entries.get("k1"), { i: 11 });
      assert.equal(view.entries.size, 6);
    } finally {
      c.disconnect();
    }
  });
}
