import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Redis } from "ioredis";
import pino from "pino";
import { loadConfig } from "../../src/config/load.js";
import { PubSubConnection } from "../../src/redis/pubsub-connection.js";
import { RedisShards } from "../../src/redis/redis-shards.js";
import { type RedisProcess, startRedis, waitUntil } from "../helpers/redis-servers.js";

let redis: RedisProcess;
before(async () => {
  redis = await startRedis();
});
after(() => redis?.stop());

test("an idle PUB/SUB connection's probes go to a channel of its own, never to the control channel other nodes read", async () => {
  const config = loadConfig({
    object: { engine: { type: "redis", redis: { address: redis.url, prefix: "probe" } } },
  }).config!.engine.redis;
  const shards = new RedisShards(config, pino({ level: "silent" }));
  await shards.connect();
  const control = "probe.control";
  // Another node on the same Redis, reading the control channel as a Centrifugo node does.
  const other = new Redis(redis.url);
  const seenByOther: string[] = [];
  other.on("message", (_channel: string, message: string) => seenByOther.push(message));
  await other.subscribe(control);
  const delivered: string[] = [];
  let restored = 0;
  const connection = new PubSubConnection(
    shards.list[0]!,
    [control],
    {
      onMessage: (_channel, message) => delivered.push(message.toString()),
      onRestored: () => {
        restored += 1;
      },
    },
    100,
  );
  const probes: string[] = [];
  const monitored = new Redis(redis.url);
  const monitor = await monitored.monitor();
  monitor.on("monitor", (_time: string, args: string[]) => {
    if (args[0]?.toLowerCase() === "publish") probes.push(args[1]!);
  });
  try {
    await connection.start();
    await waitUntil("three probes published", async () => probes.length >= 3, 10_000);
    assert.ok(
      probes.every((channel) => channel.startsWith(`${control}.probe.`) && channel !== control),
      `probes went to ${probes.join(", ")}`,
    );
    assert.deepEqual(seenByOther, [], "the other node reads no probe on the control channel");
    assert.deepEqual(delivered, [], "the owner is not handed its own probes");
    assert.equal(restored, 0, "each probe came back: the connection was never replaced");
  } finally {
    connection.close();
    other.disconnect();
    monitor.disconnect();
    monitored.disconnect();
    shards.release();
  }
});
