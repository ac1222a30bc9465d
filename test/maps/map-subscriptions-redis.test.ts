import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import WebSocket from "ws";
import { centrifugeClient, nextEvent } from "../helpers/centrifuge-clients.js";
import { type RedisProcess, startRedis } from "../helpers/redis-servers.js";
import { startTestServers, type TestServer } from "../helpers/server.js";
import { mapSuite, mapSuiteNamespaces } from "./map-suite.js";
import { mapView, putKey } from "./map-view.js";

let redis: RedisProcess;
let nodeA: TestServer;
let nodeB: TestServer;
const prefix = `maps${process.pid}`;
before(async () => {
  redis = await startRedis();
  const config = {
    client: { insecure: true },
    channel: { namespaces: mapSuiteNamespaces },
    engine: { type: "redis", redis: { address: redis.url, prefix } },
    map_broker: { type: "redis", redis: { address: redis.url, prefix } },
  };
  [nodeA, nodeB] = await startTestServers([config, config]);
});
after(async () => {
  await Promise.all([nodeA?.close(), nodeB?.close()]);
  await redis?.stop();
});

mapSuite("redis", () => nodeA);
mapSuite(
  "two-nodes",
  () => nodeA,
  () => nodeB,
);

describe("map subscriptions across nodes on one Redis", () => {
  test("a subscriber that reconnects to the other node resumes from its position", async () => {
    const ch = "recov:moving";
    for (let i = 0; i < 5; i++) await putKey(nodeA, ch, `k${i}`, { i });
    let target = nodeA;
    // One SDK client whose WebSocket goes to whichever node `target` is when it (re)connects.
    class Routed extends WebSocket {
      constructor(_url: string, protocols?: string | string[]) {
        super(`${target.url.replace(/^http/, "ws")}/connection/websocket`, protocols);
      }
    }
    const c = centrifugeClient(nodeA.url, "json", { websocket: Routed });
    try {
      const view = mapView(c, ch);
      view.sub.subscribe();
      c.connect();
      await view.until("the initial sync", (v) => v.syncs === 1);
      const gone = nextEvent(c, "disconnected");
      c.disconnect();
      await gone;
      await putKey(nodeB, ch, "k1", { i: 11 });
      await putKey(nodeB, ch, "k5", { i: 5 });
      target = nodeB;
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

  test("a change lost on its way to a node reaches its subscribers through the position check", async () => {
    const ch = "recov:gap";
    const [checking, silent] = await startTestServers([
      {
        client: { insecure: true, presence_update_interval: "200ms", channel_position_check_delay: "200ms" },
        channel: { namespaces: mapSuiteNamespaces },
        map_broker: { type: "redis", redis: { address: redis.url, prefix } },
      },
      {
        channel: { namespaces: mapSuiteNamespaces },
        map_broker: { type: "redis", redis: { address: redis.url, prefix, skip_pub_sub: true } },
      },
    ]);
    const c = centrifugeClient(checking!.url, "json");
    try {
      await putKey(checking!, ch, "seen", { v: 1 });
      const view = mapView(c, ch);
      view.sub.subscribe();
      c.connect();
      await view.until("the initial sync", (v) => v.syncs === 1);
      // Written without a PUB/SUB message: no node hears of it but through the stream.
      await putKey(silent!, ch, "unheard", { v: 2 });
      await view.until("the unheard change", (v) => v.entries.has("unheard"), 8000);
      assert.equal(view.syncs, 1, "recovered from the stream, not resynced");
    } finally {
      c.disconnect();
      await Promise.all([checking?.close(), silent?.close()]);
    }
  });
});
