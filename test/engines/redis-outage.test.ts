import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { centrifugeClient, collectPublications, subscribed } from "../helpers/centrifuge-clients.js";
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

interface Ack {
  readonly n: number;
  readonly offset: number;
}

/** Publishes n = 1, 2, … through alternating nodes until stopped; keeps what was acknowledged. */
function publishLoop() {
  const acked: Ack[] = [];
  let failed = 0;
  let running = true;
  const done = (async () => {
    for (let n = 1; running; n++) {
      const srv = nodes[n % 2]!;
      try {
        const res = await fetch(`${srv.url}/api/publish`, {
          method: "POST",
          headers: { "X-API-Key": srv.apiKey },
          body: JSON.stringify({ channel, data: { n } }),
        });
        const body = (await res.json()) as { result?: { offset: number }; error?: { code: number } };
        if (body.result) acked.push({ n, offset: body.result.offset });
        else {
          assert.equal(body.error?.code, 100);
          failed += 1;
        }
      } catch {
        failed += 1;
      }
      await sleep(5);
    }
  })();
  return {
    acked,
    failed: () => failed,
    async stop() {
      running = false;
      await done;
    },
  };
}

test("Redis killed under publish load and restarted: subscribers end up with every acknowledged publication, in order, once", async () => {
  const clients = nodes.flatMap((srv) => [
    centrifugeClient(srv.url, "json"),
    centrifugeClient(srv.url, "protobuf"),
  ]);
  try {
    const collectors = await Promise.all(
      clients.map(async (client) => collectPublications((await subscribed(client, channel)).sub)),
    );
    const load = publishLoop();
    await waitUntil("some publications before the outage", async () => load.acked.length >= 20);
    await redis.kill();
    const ackedBefore = load.acked.length;
    await waitUntil("API errors during the outage", async () => load.failed() >= 5);
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

    const last = load.acked[load.acked.length - 1]!;
    for (const [i, collector] of collectors.entries()) {
      await waitUntil(
        `subscriber ${i} caught up to offset ${last.offset}`,
        async () => collector.received.some((p) => p.offset === last.offset),
        20_000,
      );
      const offsets = collector.received.map((p) => p.offset!);
      assert.deepEqual(
        offsets,
        [...offsets].sort((x, y) => x - y).filter((o, j, all) => j === 0 || all[j - 1] !== o),
        `subscriber ${i}: strictly increasing offsets, no duplicates`,
      );
      const got = new Map(collector.received.map((p) => [p.offset, (p.data as { n: number }).n]));
      for (const ack of load.acked)
        assert.equal(got.get(ack.offset), ack.n, `subscriber ${i} has offset ${ack.offset}`);
    }
    for (const client of clients) assert.equal(client.state, "connected");
  } finally {
    for (const client of clients) client.disconnect();
  }
});
