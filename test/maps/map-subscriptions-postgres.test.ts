import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { centrifugeClient } from "../helpers/centrifuge-clients.js";
import { sample, scrape } from "../helpers/prometheus.js";
import { waitUntil } from "../helpers/redis-servers.js";
import { startTestServers, type TestServer } from "../helpers/server.js";
import { mapPostgres, postgresMapBroker, stopMapBrokers } from "./map-brokers.js";
import { resumesOnTheOtherNode } from "./map-node-switch.js";
import { mapSuite, mapSuiteNamespaces } from "./map-suite.js";
import { mapView, putKey } from "./map-view.js";

/** A `broker_name=""` sample of a node's metrics, 0 when absent. */
const metric = async (name: string, srv: TestServer) =>
  sample(await scrape(`${srv.url}/metrics`), name, { broker_name: "" }) ?? 0;

let nodeA: TestServer;
let nodeB: TestServer;
before(async () => {
  // The JSONB tables, the default: the suite's values are JSON.
  const config = {
    client: { insecure: true },
    prometheus: { enabled: true },
    channel: { namespaces: mapSuiteNamespaces },
    map_broker: await postgresMapBroker(),
  };
  [nodeA, nodeB] = await startTestServers([config, config]);
});
after(async () => {
  await Promise.all([nodeA?.close(), nodeB?.close()]);
  await stopMapBrokers();
});

mapSuite("postgres", () => nodeA);
mapSuite(
  "two-nodes",
  () => nodeA,
  () => nodeB,
);

describe("map subscriptions across nodes on one PostgreSQL", () => {
  resumesOnTheOtherNode(
    () => nodeA,
    () => nodeB,
  );

  test("PostgreSQL down and back: writes fail meanwhile, subscribers stay connected and get the later changes", async () => {
    const ch = "persist:outage";
    const pg = (await mapPostgres())!;
    const clients = [nodeA, nodeB].map((srv) => centrifugeClient(srv.url, "protobuf"));
    try {
      const views = clients.map((c) => mapView(c, ch));
      for (const [i, c] of clients.entries()) {
        views[i]!.sub.subscribe();
        c.connect();
      }
      await putKey(nodeB, ch, "before", { v: 1 });
      for (const view of views) await view.until("the first change", (v) => v.entries.has("before"));
      const errors = () => metric("centrifugo_map_broker_cleanup_errors_count", nodeA);
      const errorsBefore = await errors();
      await pg.kill();
      await waitUntil("failed expiry passes counted", async () => (await errors()) > errorsBefore);
      await assert.rejects(
        putKey(nodeA, ch, "during", { v: 2 }),
        (err: { code?: number }) => err.code === 100,
      );
      await pg.restart();
      await waitUntil(
        "a map write to reach PostgreSQL again",
        () =>
          putKey(nodeB, ch, "after", { v: 3 }).then(
            () => true,
            () => false,
          ),
        20_000,
      );
      for (const view of views)
        await view.until("the change after the outage", (v) => v.entries.has("after"), 10_000);
      for (const c of clients) assert.equal(c.state, "connected");
      for (const view of views) assert.deepEqual([...view.entries.keys()].sort(), ["after", "before"]);
    } finally {
      for (const c of clients) c.disconnect();
    }
  });
});

describe("the PostgreSQL map broker's metrics", () => {
  test("keys removed by expiry and partitions, under Centrifugo's names", async () => {
    const removed = async () =>
      (await metric("centrifugo_map_broker_cleanup_removed_count", nodeA)) +
      (await metric("centrifugo_map_broker_cleanup_removed_count", nodeB));
    const before = await removed();
    for (let i = 0; i < 3; i++) await putKey(nodeA, "expiring:metrics", `k${i}`, { i });
    // Keys of earlier tests may expire meanwhile; that each key is removed once is the broker tests' part.
    await waitUntil("three expired keys counted", async () => (await removed()) >= before + 3, 8000);
    // Today's partition and the two days ahead, counted by whichever node kept them.
    await waitUntil("the partitions counted", async () => {
      const counts = await Promise.all(
        [nodeA, nodeB].map((srv) => metric("centrifugo_map_broker_postgres_partitions", srv)),
      );
      return counts.includes(3);
    });
  });

  test("each shard poller's cursor lag, under Centrifugo's name: the age of the row it read last", async () => {
    await putKey(nodeA, "persist:lag-metrics", "k", { v: 1 });
    const lags = async () => {
      const text = await scrape(`${nodeB.url}/metrics`);
      // postgresMapBroker's two shards.
      return [0, 1].map((shard) =>
        sample(text, "centrifugo_map_broker_postgres_outbox_cursor_lag_seconds", {
          broker_name: "",
          shard: `${shard}`,
        }),
      );
    };
    await waitUntil("every shard's lag sampled", async () =>
      (await lags()).every((lag) => lag !== undefined),
    );
    const sampled = (await lags()) as number[];
    assert.ok(sampled.every((lag) => lag >= 0));
    assert.ok(
      sampled.some((lag) => lag > 0),
      `lags ${sampled}`,
    );
  });
});
