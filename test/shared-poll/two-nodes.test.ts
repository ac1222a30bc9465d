import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { mintConnectionToken } from "../../src/auth/mint.js";
import { httpApi } from "../helpers/api-clients.js";
import { type RedisProcess, startRedis } from "../helpers/redis-servers.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { signKeys, startPollBackend } from "./poll-backend.js";
import { rawClient } from "./raw-client.js";

const secret = "two-nodes-secret";
const pollSecret = "two-nodes-track-secret";

describe("shared_poll_publish on one node reaches the trackers of another (Redis engine)", () => {
  let redis: RedisProcess;
  let backend: Awaited<ReturnType<typeof startPollBackend>>;
  const nodes: TestServer[] = [];

  before(async () => {
    redis = await startRedis();
    backend = await startPollBackend("season-1");
    for (let i = 0; i < 2; i++) {
      nodes.push(
        await startTestServer({
          engine: { type: "redis", redis: { address: redis.url, prefix: `poll${process.pid}` } },
          client: { token: { hmac_secret_key: secret } },
          shared_poll: { hmac_secret_key: pollSecret },
          channel: {
            proxy: { shared_poll_refresh: backend.proxy },
            namespaces: [
              {
                name: "scores",
                subscription_type: "shared_poll",
                allow_subscribe_for_client: true,
                shared_poll: { refresh_interval: "10s", mode: "versioned", publish_enabled: true },
              },
            ],
          },
        }),
      );
    }
  });

  after(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    await backend.close();
    await redis.stop();
  });

  test("a client on node B gets a version published through node A's API", async () => {
    const [a, b] = nodes as [TestServer, TestServer];
    const end = Date.now() + 10_000;
    while (a.server.node.cluster.nodes().length < 2 && Date.now() < end)
      await new Promise((r) => setTimeout(r, 50));
    assert.equal(a.server.node.cluster.nodes().length, 2);

    const channel = "scores:final";
    backend.keys.set("match1", { data: { home: 0, away: 0 }, version: 1 });
    const token = await mintConnectionToken({ secret, user: "ivy", ttl: 3_600_000 });
    const c = await rawClient(b.url, token);
    const track = {
      sub_refresh: {
        channel,
        type: 1,
        track: [{ signature: signKeys(pollSecret, "ivy", channel, ["match1"]), items: [{ key: "match1" }] }],
      },
    };
    // The first answer brings the backend's epoch: the subscription starts over (2500), then tracks for real.
    await c.call({ subscribe: { channel, type: 4 } });
    await c.call(track);
    await c.until(() => c.pushes.some((p) => p.unsubscribe));
    await c.call({ subscribe: { channel, type: 4 } });
    await c.call(track);
    await c.until(() => c.pubs(channel).length === 1);

    const published = await httpApi(
      a.url,
      "shared_poll_publish",
      { channel, key: "match1", data: { home: 1, away: 0 }, version: 2, epoch: "season-1" },
      { "x-api-key": a.apiKey },
    );
    assert.deepEqual(published.body, { result: {} });
    await c.until(() => c.pubs(channel).length === 2);
    assert.deepEqual(c.pubs(channel)[1], {
      data: { home: 1, away: 0 },
      key: "match1",
      version: 2,
      epoch: "season-1",
    });
    c.close();
  });
});
