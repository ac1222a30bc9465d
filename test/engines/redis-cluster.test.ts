import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startRedisCluster } from "../helpers/redis-servers.js";
import { startTestServers, type TestServer } from "../helpers/server.js";
import { api, checkChannel, topologyConfig } from "./engine-checks.js";

let cluster: Awaited<ReturnType<typeof startRedisCluster>>;
let a: TestServer;
let b: TestServer;
before(async () => {
  cluster = await startRedisCluster(3);
  const [first, second, third] = cluster.nodes.map((n) => `127.0.0.1:${n.port}`);
  // One node names the cluster explicitly, the other gives a plain address and lets rotor find out.
  [a, b] = await startTestServers([
    topologyConfig({ address: `redis+cluster://${first}?addr=${second}`, prefix: "cl" }),
    topologyConfig({ address: third, prefix: "cl" }),
  ]);
});
after(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await cluster?.stop();
});

test("a channel's keys carry its {hash tag}, so its Lua scripts run on one slot", async () => {
  await api(a, "publish", { channel: "room:tagged", data: { x: 1 } });
  const keys = (await Promise.all(cluster.nodes.map((n) => n.cli("keys", "cl.*")))).join("\n").split("\n");
  assert.deepEqual(keys.filter((k) => k !== "").sort(), [
    "cl.stream.meta.{room:tagged}",
    "cl.stream.{room:tagged}",
  ]);
});

test("delivery, history, recovery and presence work on a 3-master cluster, across nodes", async () => {
  for (const channel of ["room:c1", "room:c2", "room:c3"]) await checkChannel(a, b, channel);
  await checkChannel(b, a, "room:c4");
});
