import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Centrifuge } from "centrifuge";
import { httpApi } from "../helpers/api-clients.js";
import { centrifugeClient, collectPublications, subscribed } from "../helpers/centrifuge-clients.js";
import { type NatsProcess, startNats } from "../helpers/nats-servers.js";
import { waitUntil } from "../helpers/redis-servers.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let nats: NatsProcess;
let nodes: TestServer[];
before(async () => {
  nats = await startNats();
  const config = {
    broker: { enabled: true, type: "nats", nats: { url: nats.url, prefix: "outage" } },
    client: { insecure: true },
  };
  nodes = await Promise.all([startTestServer(config), startTestServer(config)]);
});
after(async () => {
  await Promise.all((nodes ?? []).map((n) => n.close()));
  await nats?.stop();
});

async function publish(srv: TestServer, n: number) {
  const res = await httpApi(
    srv.url,
    "publish",
    { channel: "news", data: { n } },
    { "X-API-Key": srv.apiKey },
  );
  return res.body as { result?: unknown; error?: { code: number } };
}

test("NATS restarted: publishes fail with 100 meanwhile, clients stay connected, later publications arrive", async () => {
  const [a, b] = nodes as [TestServer, TestServer];
  const clients = [centrifugeClient(a.url, "json"), centrifugeClient(b.url, "protobuf")];
  let disconnects = 0;
  for (const client of clients) client.on("disconnected", () => disconnects++);
  try {
    const collectors = await Promise.all(
      clients.map(async (client: Centrifuge) => collectPublications((await subscribed(client, "news")).sub)),
    );
    await publish(b, 1);
    for (const collector of collectors)
      assert.deepEqual(await collector.take(1), [{ data: { n: 1 }, offset: undefined, channel: "news" }]);

    await nats.kill();
    // Nothing is buffered for later: a publish while NATS is away fails at once.
    await waitUntil("publishes refused", async () => (await publish(a, 2)).error?.code === 100);
    assert.equal((await publish(b, 2)).error?.code, 100);
    await assert.rejects(clients[0]!.publish("news", {}), (err: { code: number }) => err.code === 100);

    await nats.restart();
    // Both nodes reconnect and resubscribe by themselves; publish until each side hears the other.
    let n = 10;
    for (const [from, to] of [
      [a, collectors[1]!],
      [b, collectors[0]!],
    ] as const) {
      await waitUntil(
        "a publication across nodes after the restart",
        async () => {
          await publish(from, ++n);
          return to.received.some((p) => (p.data as { n: number }).n >= 10);
        },
        20_000,
      );
    }
    assert.equal(disconnects, 0, "no client was disconnected");
    for (const client of clients) assert.equal(client.state, "connected");
    await waitUntil("both nodes in Info again", async () => {
      const res = await httpApi(a.url, "info", {}, { "X-API-Key": a.apiKey });
      return ((res.body as { result: { nodes: unknown[] } }).result.nodes.length ?? 0) === 2;
    });
  } finally {
    for (const client of clients) client.disconnect();
  }
});
