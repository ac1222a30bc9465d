import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Redis } from "ioredis";
import { encodePublication } from "../../src/broker/publication-codec.js";
import { historyAddStream } from "../../src/broker/redis/scripts.js";
import { sign, unix } from "../auth/token-helpers.js";
import {
  centrifugeClient,
  collectPublications,
  nextEvent,
  subscribed,
} from "../helpers/centrifuge-clients.js";
import { type RedisProcess, startRedis, waitUntil } from "../helpers/redis-servers.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { api } from "./engine-checks.js";

const secret = "position-check-secret";
let redis: RedisProcess;
let srv: TestServer;
let direct: Redis;
before(async () => {
  redis = await startRedis();
  direct = new Redis(redis.url);
  srv = await startTestServer({
    engine: { type: "redis", redis: { address: redis.url, prefix: "pos" } },
    client: {
      insecure: true,
      token: { hmac_secret_key: secret },
      presence_update_interval: "1s",
      channel_position_check_delay: "1s",
    },
    channel: { namespaces: [{ name: "room", history_size: 100, history_ttl: "300s", force_recovery: true }] },
  });
});
after(async () => {
  direct?.disconnect();
  await srv?.close();
  await redis?.stop();
});

/** Appends a publication to the channel's stream without publishing it: a message PUB/SUB lost. */
async function lose(channel: string, value: unknown): Promise<void> {
  const payload = Buffer.from(
    encodePublication(Buffer.from(JSON.stringify(value)), undefined, undefined, Date.now(), false),
  );
  await direct.eval(
    historyAddStream.source,
    3,
    `pos.stream.${channel}`,
    `pos.stream.meta.${channel}`,
    `pos.result.${channel}.`,
    payload,
    "100",
    "300",
    "",
    "0",
    "unused",
    "publish",
    "",
    "0",
    "0",
    "",
  );
}

test("an idle subscriber notices a publication it never received and recovers it", async () => {
  const client = centrifugeClient(srv.url, "json");
  try {
    const { sub } = await subscribed(client, "room:idle");
    const pubs = collectPublications(sub);
    await api(srv, "publish", { channel: "room:idle", data: { n: 1 } });
    await pubs.take(1);
    const resubscribed = nextEvent<{ recovered: boolean }>(sub, "subscribed", 10_000);
    await lose("room:idle", { n: 2 });
    // No later publication reveals the gap: the periodic check does (2500, then recovery).
    assert.equal((await resubscribed).recovered, true);
    assert.deepEqual(
      (await pubs.take(2, 5000)).map((p) => [p.offset, p.data]),
      [
        [1, { n: 1 }],
        [2, { n: 2 }],
      ],
    );
  } finally {
    client.disconnect();
  }
});

test("a server-side subscription that missed a publication reconnects (3010) and recovers it", async () => {
  const token = await sign({ sub: "sam", exp: unix(3600), channels: ["room:server"] }, secret, "HS256");
  const client = centrifugeClient(srv.url, "json", { token });
  try {
    const pubs: { offset?: number; data: unknown }[] = [];
    client.on("publication", (ctx) => pubs.push({ offset: ctx.offset, data: ctx.data }));
    const subscribedOnce = nextEvent(client, "subscribed");
    client.connect();
    await subscribedOnce;
    await api(srv, "publish", { channel: "room:server", data: { n: 1 } });
    await waitUntil("the first publication", async () => pubs.length === 1);
    const reconnecting = nextEvent<{ code: number }>(client, "connecting", 10_000);
    await lose("room:server", { n: 2 });
    assert.equal((await reconnecting).code, 3010);
    await waitUntil("the lost publication, recovered", async () => pubs.length === 2, 10_000);
    assert.deepEqual(pubs, [
      { offset: 1, data: { n: 1 } },
      { offset: 2, data: { n: 2 } },
    ]);
  } finally {
    client.disconnect();
  }
});
