import assert from "node:assert/strict";
import { test } from "node:test";
import { freePort, portAccepts, spawnCli } from "../helpers/cli-process.js";
import { type RedisProcess, startRedis, waitUntil } from "../helpers/redis-servers.js";

test("with Redis unreachable at start rotor says so, keeps trying, and serves once Redis is there", async () => {
  const [redisPort, port] = await Promise.all([freePort(), freePort()]);
  const address = `redis://127.0.0.1:${redisPort}`;
  const cli = spawnCli([
    "--engine.type",
    "redis",
    "--engine.redis.address",
    address,
    "--port",
    String(port),
    "--api_key",
    "k",
  ]);
  let redis: RedisProcess | undefined;
  try {
    await waitUntil("the log line about Redis", async () =>
      cli.output().includes(`Redis at ${address} unreachable, retrying`),
    );
    assert.equal(cli.child.exitCode, null, "no exit: a crash loop helps nobody");
    assert.equal(await portAccepts(port), false, "no port before the engine works");
    redis = await startRedis({ port: redisPort });
    await waitUntil("rotor serving", () => portAccepts(port));
    const res = await fetch(`http://127.0.0.1:${port}/api/publish`, {
      method: "POST",
      headers: { "X-API-Key": "k" },
      body: JSON.stringify({ channel: "c", data: {} }),
    });
    assert.deepEqual(await res.json(), { result: {} });
  } finally {
    await cli.stop();
    await redis?.stop();
  }
});
