import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { mintConnectionToken } from "../../src/auth/mint.js";
import { shardIndex } from "../../src/redis/jump-hash.js";
import { centrifugeClient, connected, nextEvent } from "../helpers/centrifuge-clients.js";
import { type RedisProcess, startRedis, waitUntil } from "../helpers/redis-servers.js";
import { startTestServers, type TestServer } from "../helpers/server.js";
import { api, checkChannel, secret, topologyConfig } from "./engine-checks.js";

let shards: RedisProcess[];
let a: TestServer;
let b: TestServer;
before(async () => {
  shards = await Promise.all([startRedis(), startRedis()]);
  const config = topologyConfig({ address: shards.map((s) => s.url), prefix: "sharded" });
  [a, b] = await startTestServers([config, config]);
});
after(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await Promise.all((shards ?? []).map((s) => s.stop()));
});

/** The first channel name room:<tag><n> that lands on the given shard. */
const channelOn = (shard: number, tag = "") => {
  for (let i = 0; ; i++) if (shardIndex(`room:${tag}${i}`, 2) === shard) return `room:${tag}${i}`;
};

test("channels are spread over both Redis instances by Centrifugo's hash", async () => {
  const channels = [channelOn(0), channelOn(1)];
  for (const channel of channels) await api(a, "publish", { channel, data: { x: 1 } });
  for (const [i, channel] of channels.entries()) {
    assert.equal(
      await shards[i]!.cli("exists", `sharded.stream.${channel}`),
      "1",
      `${channel} on shard ${i}`,
    );
    assert.equal(
      await shards[1 - i]!.cli("exists", `sharded.stream.${channel}`),
      "0",
      `${channel} not on shard ${1 - i}`,
    );
  }
});

test("delivery, history, recovery and presence work on both shards, across nodes", async () => {
  await checkChannel(a, b, channelOn(0, "check"));
  await checkChannel(b, a, channelOn(1, "check"));
});

test("control messages reach the other node whichever shard carries them", async () => {
  await waitUntil(
    "both nodes in Info",
    async () => ((await api(a, "info", {})).nodes as unknown[]).length === 2,
  );
  for (let i = 0; i < 4; i++) {
    const client = centrifugeClient(b.url, "json", {
      token: await mintConnectionToken({ secret, user: `u${i}`, ttl: 3_600_000 }),
    });
    await connected(client);
    const closed = nextEvent<{ code: number }>(client, "disconnected");
    await api(a, "disconnect", { user: `u${i}` });
    assert.equal((await closed).code, 3503);
  }
});
