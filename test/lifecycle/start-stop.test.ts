import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type Server } from "node:net";
import { after, before, test } from "node:test";
import { freePort, portAccepts, spawnCli } from "../helpers/cli-process.js";
import { type RedisProcess, startRedis, waitUntil } from "../helpers/redis-servers.js";
import { startTestServer } from "../helpers/server.js";

let redis: RedisProcess;
let taken: Server;
before(async () => {
  redis = await startRedis();
  taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
});
after(async () => {
  taken.close();
  await redis.stop();
});

/** The connections Redis has open besides the redis-cli asking. */
async function otherConnections(): Promise<number> {
  const list = await redis.cli("client", "list");
  return list.split("\n").filter((line) => line.includes("id=") && !line.includes("cmd=client")).length;
}

test("a start-up that fails after the engine connected leaves no engine connection open", async () => {
  const port = (taken.address() as { port: number }).port;
  await assert.rejects(
    startTestServer({
      engine: { type: "redis", redis: { address: redis.url, prefix: "startup" } },
      http_server: { port },
    }),
    /EADDRINUSE/,
  );
  await waitUntil("Redis connections to close", async () => (await otherConnections()) === 0, 5000);
});

test("a running server's close leaves neither an engine connection nor a listener", async () => {
  const server = await startTestServer({
    engine: { type: "redis", redis: { address: redis.url, prefix: "running" } },
  });
  assert.ok((await otherConnections()) > 0);
  await server.close();
  await waitUntil("Redis connections to close", async () => (await otherConnections()) === 0, 5000);
  await assert.rejects(fetch(`${server.url}/health`));
});

test("SIGTERM while rotor still waits for its engine at start-up: a clean stop, exit 0, nothing left listening", async () => {
  const [port, nothing] = [await freePort(), await freePort()];
  const rotor = spawnCli([
    "--port",
    String(port),
    "--api_key",
    "stop-key",
    "--engine.type",
    "redis",
    "--engine.redis.address",
    `127.0.0.1:${nothing}`,
  ]);
  const exited = once(rotor.child, "exit");
  try {
    await waitUntil(
      "rotor to wait for Redis",
      async () => rotor.output().includes(`Redis at 127.0.0.1:${nothing}`),
      20_000,
    );
    rotor.child.kill("SIGTERM");
    const [code, signal] = await exited;
    assert.deepEqual({ code, signal }, { code: 0, signal: null }, rotor.output());
    assert.match(rotor.output(), /shutting down/);
    assert.equal(await portAccepts(port), false);
  } finally {
    await rotor.stop();
  }
});
