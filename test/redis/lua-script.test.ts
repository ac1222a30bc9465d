import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Redis } from "ioredis";
import { LuaScript } from "../../src/redis/lua-script.js";
import { type RedisProcess, startRedis } from "../helpers/redis-servers.js";

let redis: RedisProcess;
before(async () => {
  redis = await startRedis();
});
after(() => redis?.stop());

const incr = new LuaScript("return {redis.call('incrby', KEYS[1], ARGV[1]), ARGV[2]}", 1);
const read = (reply: unknown) => {
  const [total, tag] = reply as [number, Buffer];
  return `${tag.toString()}=${total}`;
};

test("a script the server does not know is sent in full, and every call in flight gets its own reply, read", async () => {
  const client = new Redis(redis.url, { commandTimeout: 5000 });
  try {
    for (let round = 0; round < 2; round++) {
      // A fresh server, then one that flushed its scripts: both answer NOSCRIPT to every EVALSHA in flight.
      if (round === 1) await client.script("FLUSH");
      const key = `n${round}`;
      const calls = Array.from({ length: 300 }, (_, i) => incr.run(client, [key], [1, `c${i}`], read));
      const answers = (await Promise.all(calls)) as string[];
      assert.deepEqual(
        answers.map((a) => a.split("=")[0]),
        calls.map((_, i) => `c${i}`),
      );
      const totals = answers.map((a) => Number(a.split("=")[1])).sort((a, b) => a - b);
      assert.deepEqual(
        totals,
        calls.map((_, i) => i + 1),
      );
    }
  } finally {
    client.disconnect();
  }
});

test("a script's error and a read that throws reject the call; the connection goes on", async () => {
  const client = new Redis(redis.url);
  const failing = new LuaScript("return redis.call('incr', KEYS[1])", 1);
  try {
    await client.set("text", "not a number");
    await assert.rejects(failing.run(client, ["text"], []), /not an integer/);
    await assert.rejects(
      incr.run(client, ["ok"], [1, "t"], () => {
        throw new Error("unreadable");
      }),
      /unreadable/,
    );
    assert.equal(await incr.run(client, ["ok"], [1, "t"], read), "t=2");
  } finally {
    client.disconnect();
  }
});
