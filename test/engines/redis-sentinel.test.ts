import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startSentinelSetup, waitUntil } from "../helpers/redis-servers.js";
import { startTestServers, type TestServer } from "../helpers/server.js";
import { api, checkChannel, topologyConfig } from "./engine-checks.js";

let setup: Awaited<ReturnType<typeof startSentinelSetup>>;
let a: TestServer;
let b: TestServer;
before(async () => {
  setup = await startSentinelSetup("mymaster");
  const [s1, s2, s3] = setup.sentinels.map((s) => `127.0.0.1:${s.port}`);
  const redis = {
    address: `redis+sentinel://${s1}?sentinel_master_name=mymaster&addr=${s2}&addr=${s3}`,
    prefix: "sn",
    io_timeout: "1s",
  };
  [a, b] = await startTestServers([topologyConfig(redis), topologyConfig(redis)]);
});
after(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await setup?.stop();
});

test("publish, history, recovery and presence work before and after a forced Sentinel failover", async () => {
  await checkChannel(a, b, "room:before");
  await setup.primary.cli("wait", "1", "2000");
  await setup.failover();
  // Commands fail while the switch happens; the nodes follow the new master without a restart.
  let inARow = 0;
  await waitUntil(
    "both nodes publishing to the new master",
    async () => {
      for (const srv of [a, b]) {
        const res = await fetch(`${srv.url}/api/publish`, {
          method: "POST",
          headers: { "X-API-Key": srv.apiKey },
          body: JSON.stringify({ channel: "room:probe", data: {} }),
        });
        inARow = "error" in ((await res.json()) as object) ? 0 : inARow + 1;
      }
      return inARow >= 10;
    },
    20_000,
  );
  const history = await api(a, "history", { channel: "room:before", limit: -1 });
  assert.equal(
    (history.publications as unknown[]).length,
    3,
    "history written before the failover survives it",
  );
  await checkChannel(b, a, "room:after");
  assert.equal(await setup.replica.cli("exists", "sn.stream.room:after"), "1");
});
