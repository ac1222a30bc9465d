import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Redis } from "ioredis";
import { commandLead, encodeCommand, sendEncoded } from "../../src/redis/encoded-command.js";
import { type RedisProcess, startRedis } from "../helpers/redis-servers.js";

let redis: RedisProcess;
before(async () => {
  redis = await startRedis();
});
after(() => redis?.stop());

const echo = commandLead(["echo"]);
const send = (client: Redis, text: string) => sendEncoded(client, "echo", encodeCommand(echo, [text]));
const reply = (value: unknown) => (Buffer.isBuffer(value) ? value.toString() : value);

test("pre-encoded commands time out on the connection's command timeout, and later ones still get their own replies", async () => {
  const client = new Redis(redis.url, { commandTimeout: 300, maxRetriesPerRequest: 0 });
  const admin = new Redis(redis.url);
  try {
    assert.equal(reply(await send(client, "before")), "before");
    // Redis holds every other client's commands while paused: nothing answers within the timeout.
    await admin.call("client", "pause", "1200", "all");
    const startedAt = Date.now();
    const stalled = [send(client, "a"), send(client, "b")];
    const late = new Promise((resolve) => setTimeout(resolve, 150)).then(() => send(client, "c"));
    for (const result of await Promise.allSettled([...stalled, late])) {
      assert.equal(result.status, "rejected");
      assert.equal((result.reason as Error).message, "Command timed out");
    }
    const waited = Date.now() - startedAt;
    assert.ok(waited >= 290 && waited < 1100, `rejected after ${waited} ms, before the pause ended`);
    await admin.call("client", "unpause");
    // The timed-out commands' replies arrive after the pause and are matched to them, not to these.
    const answers = await Promise.all(["d", "e", "f"].map(async (text) => reply(await send(client, text))));
    assert.deepEqual(answers, ["d", "e", "f"]);
  } finally {
    client.disconnect();
    admin.disconnect();
  }
});

test("thousands of pre-encoded commands in flight under a command timeout each get their own reply", async () => {
  const client = new Redis(redis.url, { commandTimeout: 60_000 });
  try {
    const texts = Array.from({ length: 2000 }, (_, i) => `m${i}`);
    const answers = await Promise.all(texts.map(async (text) => reply(await send(client, text))));
    assert.deepEqual(answers, texts);
  } finally {
    client.disconnect();
  }
});
