import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { centrifugeClient, collectPublications, subscribed } from "../helpers/centrifuge-clients.js";
import { assertEveryAcked, publishLoop } from "../helpers/publish-load.js";
import { type RedisProcess, startRedis, waitUntil } from "../helpers/redis-servers.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const channel = "room:load";
let redis: RedisProcess;
let nodes: TestServer[];
before(async () => {
  // Every acknowledged write is on disk before the reply, so a killed Redis comes back with all of them.
  redis = await startRedis({ args: ["--appendonly", "yes", "--appendfsync", "always"] });
  const config = {
    engine: { type: "redis", redis: { address: redis.url, prefix: "outage", io_timeout: "500ms" } },
    client: { insecure: true, presence_update_interval: "1s", channel_position_check_delay: "1s" },
    channel: {
      namespaces: [{ name: "room", history_size: 1000, history_ttl: "300s", force_recovery: true }],
    },
  };
  nodes = await Promise.all([startTestServer(config), startTestServer(config)]);
});
after(async () => {
  await Promise.all((nodes ?? []).map((n) => n.close()));
  await redis?.stop();
});

test("Redis killed under publish load and restarted: subscribers end up with every acknowledged publication, in order, once", async () => {
  const clients = nodes.flatMap((srv) => [
    centrifugeClient(srv.url, "json"),
    centrifugeClient(srv.url, "protobuf"),
  ]);
  try {
    const collectors = await Promise.all(
      clients.map(async (client) => collectPublications((await subscribed(client, channel)).sub)),
    );
    const load = publishLoop(nodes, channel);
    await waitUntil("some publications before the outage", async () => load.acked.length >= 20);
    await redis.kill();
    const ackedBefore = load.acked.length;
    await waitUntil("API errors during the outage", async () => load.codes.length >= 5);
    assert.ok(
      load.codes.every((code) => code === 100 || code === 0),
      "a publish fails with 100 (or gets no answer)",
    );
    // A client's own publish gets error 100 and its connection stays.
    const [first] = clients;
    await assert.rejects(
      first!.publish(channel, { from: "client" }),
      (err: { code: number }) => err.code === 100,
    );
    assert.equal(first!.state, "connected");
    await redis.restart();
    await waitUntil(
      "publications acknowledged again",
      async () => load.acked.length >= ackedBefore + 20,
      20_000,
    );
    await load.stop();
    await assertEveryAcked(collectors, load.acked);
    for (const client of clients) assert.equal(client.state, "connected");
  } finally {
    for (const client of clients) client.disconnect();
  }
});
