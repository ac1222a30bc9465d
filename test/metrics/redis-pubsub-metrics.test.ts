import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { rawClient } from "../client/raw-websocket.js";
import { sample, scrape } from "../helpers/prometheus.js";
import { type RedisProcess, startRedis, waitUntil } from "../helpers/redis-servers.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let redis: RedisProcess;
let srv: TestServer;
before(async () => {
  redis = await startRedis();
  srv = await startTestServer({
    engine: { type: "redis", redis: { address: redis.url, prefix: "pm" } },
    client: { insecure: true },
    prometheus: { enabled: true },
  });
});
after(async () => {
  await srv.close();
  await redis.stop();
});

const errors = async (error: string) =>
  sample(await scrape(`${srv.url}/metrics`), "centrifugo_broker_redis_pub_sub_errors", {
    broker_name: "",
    error,
  }) ?? 0;

test("an unreadable message on a channel's PUB/SUB channel counts as a handle_client_message error", async () => {
  const client = await rawClient(srv.url, "json");
  client.send({ id: 1, connect: {} }, { id: 2, subscribe: { channel: "news" } });
  assert.ok((await client.reply(2)).subscribe);
  const before = await errors("handle_client_message");
  await redis.cli("publish", "pm.client.news", "__x__not a message");
  await waitUntil(
    "the error counted",
    async () => (await errors("handle_client_message")) === before + 1,
    5000,
  );
  const samples = await scrape(`${srv.url}/metrics`);
  const zero = { broker_name: "", channel_type: "client" };
  assert.equal(sample(samples, "centrifugo_broker_redis_pub_sub_dropped_messages", zero), 0);
  client.close();
});
