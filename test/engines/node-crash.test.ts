import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { centrifugeClient, connected, subscribed } from "../helpers/centrifuge-clients.js";
import { type CliProcess, freePort, startCli } from "../helpers/cli-process.js";
import { type RedisProcess, startRedis, waitUntil } from "../helpers/redis-servers.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { api } from "./engine-checks.js";

const presenceTtlMs = 2000;
let redis: RedisProcess;
let survivor: TestServer;
let crashing: CliProcess;
let dir: string;
let crashingPort: number;

before(async () => {
  redis = await startRedis();
  const config = {
    engine: {
      type: "redis",
      redis: { address: redis.url, prefix: "crash", presence_ttl: `${presenceTtlMs}ms` },
    },
    client: { insecure: true, presence_update_interval: "500ms" },
    channel: { namespaces: [{ name: "room", presence: true }] },
  };
  survivor = await startTestServer(config);
  dir = mkdtempSync(join(tmpdir(), "rotor-crash-"));
  crashingPort = await freePort();
  writeFileSync(join(dir, "config.json"), JSON.stringify({ ...config, http_server: { port: crashingPort } }));
  crashing = await startCli(["--config", join(dir, "config.json"), "--log_level", "warn"], [crashingPort]);
});
after(async () => {
  await crashing?.stop();
  await survivor?.close();
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("a node killed with SIGKILL leaves no presence behind after presence_ttl, and drops out of Info", async () => {
  const client = centrifugeClient(`http://127.0.0.1:${crashingPort}`, "json");
  const ctx = await connected(client);
  await subscribed(client, "room:crash");
  const present = async () =>
    Object.keys((await api(survivor, "presence", { channel: "room:crash" })).presence as object);
  assert.deepEqual(await present(), [ctx.client]);
  await waitUntil(
    "both nodes in Info",
    async () => ((await api(survivor, "info", {})).nodes as unknown[]).length === 2,
  );

  crashing.child.kill("SIGKILL");
  client.disconnect();
  // Nothing removes the entry: it stops being refreshed and expires.
  await waitUntil(
    "the dead node's presence gone",
    async () => (await present()).length === 0,
    presenceTtlMs + 1000,
  );
  assert.deepEqual(await api(survivor, "presence_stats", { channel: "room:crash" }), {
    num_clients: 0,
    num_users: 0,
  });
  await waitUntil(
    "the dead node gone from Info",
    async () => ((await api(survivor, "info", {})).nodes as unknown[]).length === 1,
    10_000,
  );
});
