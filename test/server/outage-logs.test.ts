import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { RotorServer } from "../../src/server/rotor-server.js";
import { httpApi } from "../helpers/api-clients.js";
import { startLoggedServer } from "../helpers/logged-server.js";
import { type RedisProcess, startRedis } from "../helpers/redis-servers.js";

const key = "outage-logs-key";
let lines: Record<string, unknown>[] = [];
let redis: RedisProcess;
let server: RotorServer;
let url: string;

before(async () => {
  redis = await startRedis();
  ({ server, url, lines } = await startLoggedServer({
    http_api: { key },
    engine: { type: "redis", redis: { address: redis.url, prefix: `outage${process.pid}` } },
  }));
});
after(async () => {
  await server?.close();
  await redis?.stop();
});

test("with Redis down, 200 failing publishes log one line per cause (no stack), not one per call", async () => {
  const publish = () => httpApi(url, "publish", { channel: "news", data: {} }, { "X-API-Key": key });
  assert.deepEqual((await publish()).body, { result: {} });
  await redis.kill();
  let failed = 0;
  for (let i = 0; i < 20; i++) {
    const answers = await Promise.all(Array.from({ length: 10 }, publish));
    failed += answers.filter((a) => JSON.stringify(a.body).includes('"error"')).length;
  }
  assert.equal(failed, 200, "every publish failed with an error reply");
  const apiLines = lines.filter((l) => l.msg === "engine call failed");
  const causes = new Set(apiLines.map((l) => `${l.call} ${l.error}`));
  assert.ok(apiLines.length >= 1, JSON.stringify(lines.slice(0, 5)));
  assert.equal(
    apiLines.length,
    causes.size,
    `one line per cause in the interval: ${JSON.stringify(apiLines)}`,
  );
  assert.ok(
    apiLines.every((l) => !("err" in l) && !("stack" in l)),
    "no stack",
  );
});
