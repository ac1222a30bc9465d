import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { centrifugeClient } from "../helpers/centrifuge-clients.js";
import { type RedisProcess, startRedis } from "../helpers/redis-servers.js";
import { startTestServers, type TestServer } from "../helpers/server.js";
import { resumesOnTheOtherNode } from "./map-node-switch.js";
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
  resumesOnTheOtherNode(
    () => nodeA,
    () => nodeB,
  );

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
