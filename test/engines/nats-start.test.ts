import assert from "node:assert/strict";
import { test } from "node:test";
import { freePort, portAccepts, spawnCli } from "../helpers/cli-process.js";
import { type NatsProcess, startNats } from "../helpers/nats-servers.js";
import { waitUntil } from "../helpers/redis-servers.js";

test("with NATS unreachable at start rotor says so, keeps trying, and serves once NATS is there", async () => {
  const [natsPort, port] = await Promise.all([freePort(), freePort()]);
  const url = `nats://127.0.0.1:${natsPort}`;
  const cli = spawnCli([
    "--broker.enabled",
    "--broker.type",
    "nats",
    "--broker.nats.url",
    url,
    "--port",
    String(port),
    "--api_key",
    "k",
  ]);
  let nats: NatsProcess | undefined;
  try {
    await waitUntil("the log line about NATS", async () =>
      cli.output().includes(`NATS at ${url} unreachable, retrying`),
    );
    assert.equal(cli.child.exitCode, null, "no exit: as with Redis, a crash loop helps nobody");
    assert.equal(await portAccepts(port), false, "no port before the broker works");
    nats = await startNats({ port: natsPort });
    await waitUntil("rotor serving", () => portAccepts(port));
    assert.match(cli.output(), /connected to NATS/);
    const res = await fetch(`http://127.0.0.1:${port}/api/publish`, {
      method: "POST",
      headers: { "X-API-Key": "k" },
      body: JSON.stringify({ channel: "c", data: {} }),
    });
    assert.deepEqual(await res.json(), { result: {} });
  } finally {
    await cli.stop();
    await nats?.stop();
  }
});
