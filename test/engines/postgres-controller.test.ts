import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { mintConnectionToken } from "../../src/auth/mint.js";
import {
  centrifugeClient,
  collectPublications,
  connected,
  nextEvent,
  subscribed,
} from "../helpers/centrifuge-clients.js";
import { type CliProcess, freePort, spawnCli, startCli } from "../helpers/cli-process.js";
import { type PostgresProcess, startPostgres } from "../helpers/postgres-servers.js";
import { waitUntil } from "../helpers/redis-servers.js";
import { startTestServer, startTestServers, type TestServer } from "../helpers/server.js";
import { emulationClient } from "../helpers/transport-clients.js";
import { api } from "./engine-checks.js";

const secret = "pg-controller-secret";
const token = (user: string) => mintConnectionToken({ secret, user, ttl: 3_600_000 });

let postgres: PostgresProcess;
let config: Record<string, unknown>;
let a: TestServer;
let b: TestServer;
let dir: string;
before(async () => {
  postgres = await startPostgres();
  const dsn = postgres.url(await postgres.createDatabase("pgcontroller"));
  config = {
    broker: { enabled: true, type: "postgres", postgres: { dsn, use_notify: true } },
    controller: { enabled: true, type: "postgres", postgres: { dsn, num_shards: 2, use_notify: true } },
    client: { token: { hmac_secret_key: secret } },
    http_stream: { enabled: true },
    channel: {
      namespaces: [{ name: "room", allow_subscribe_for_client: true, allow_publish_for_subscriber: true }],
    },
  };
  [a, b] = (await startTestServers([config, config])) as [TestServer, TestServer];
  dir = mkdtempSync(join(tmpdir(), "rotor-pg-controller-"));
});
after(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await postgres?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const uids = async (srv: TestServer) =>
  ((await api(srv, "info", {})).nodes as { uid: string }[]).map((n) => n.uid).sort();

describe("two nodes on one PostgreSQL with its controller act as one server", () => {
  test("Info on either node lists both", async () => {
    const both = [a.server.node.id, b.server.node.id].sort();
    for (const srv of [a, b]) {
      await waitUntil("both nodes in Info", async () => (await uids(srv)).length === 2);
      assert.deepEqual(await uids(srv), both);
    }
  });

  test("a disconnect by user sent to A closes the user's connection on B", async () => {
    const onB = centrifugeClient(b.url, "json", { token: await token("u1") });
    try {
      await connected(onB);
      const closed = nextEvent<{ code: number }>(onB, "disconnected");
      await api(a, "disconnect", { user: "u1", disconnect: { code: 4501, reason: "bye" } });
      assert.equal((await closed).code, 4501);
    } finally {
      onB.disconnect();
    }
  });

  test("a subscribe by user sent to B reaches the user's connection on A", async () => {
    const onA = centrifugeClient(a.url, "json", { token: await token("u2") });
    try {
      await connected(onA);
      const pushed = nextEvent<{ channel: string }>(onA, "subscribed");
      await api(b, "subscribe", { user: "u2", channel: "room:server" });
      assert.equal((await pushed).channel, "room:server");
    } finally {
      onA.disconnect();
    }
  });

  test("channels asked on A count a subscriber on B (a survey of both nodes)", async () => {
    const onB = centrifugeClient(b.url, "json", { token: await token("u3") });
    try {
      await subscribed(onB, "room:counted");
      const channels = (await api(a, "channels", { pattern: "room:counted" })).channels;
      assert.deepEqual(channels, { "room:counted": { num_clients: 1 } });
    } finally {
      onB.disconnect();
    }
  });

  test("an http_stream session opened on A keeps working when its /emulation posts land on B", async () => {
    const client = emulationClient(a.url, "http_stream", "json", {
      emulationEndpoint: `${b.url}/emulation`,
      token: await token("u4"),
    });
    try {
      const { sub } = await subscribed(client, "room:emulation");
      const pubs = collectPublications(sub);
      await sub.publish({ from: "client" });
      assert.deepEqual(
        (await pubs.take(1)).map((p) => p.data),
        [{ from: "client" }],
      );
    } finally {
      client.disconnect();
    }
  });

  test("the messages sit in Centrifugo's tables: cf_controller_messages in daily partitions, one lock row per shard", async () => {
    const database = new URL(a.config.controller.postgres.dsn).pathname.slice(1);
    const [messages] = await postgres.sql<{ n: string; nodes: string }>(
      "SELECT count(*) AS n, count(DISTINCT node_id) AS nodes FROM cf_controller_messages",
      [],
      database,
    );
    assert.ok(Number(messages!.n) > 0);
    const partitions = await postgres.sql<{ name: string }>(
      "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid " +
        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'cf_controller_messages'",
      [],
      database,
    );
    assert.equal(partitions.length, 3);
    for (const { name } of partitions) assert.match(name, /^cf_controller_messages_\d{4}_\d{2}_\d{2}$/);
    const locks = await postgres.sql(
      "SELECT shard_id FROM cf_controller_shard_lock ORDER BY shard_id",
      [],
      database,
    );
    assert.deepEqual(locks, [{ shard_id: 0 }, { shard_id: 1 }]);
  });

  test("a node that stops leaves Info at once", async () => {
    const c = await startTestServer(config);
    await waitUntil("three nodes", async () => (await uids(a)).length === 3);
    await c.close();
    // Well before the 7 s a silent node stays listed: the shutdown notice removed it.
    await waitUntil("the stopped node gone", async () => (await uids(a)).length === 2, 3000);
  });

  test("a node killed with SIGKILL drops out of Info within about 10 s (a heartbeat every 3 s, listed 7 s after the last)", async () => {
    const port = await freePort();
    writeFileSync(join(dir, "config.json"), JSON.stringify({ ...config, http_server: { port } }));
    const killed: CliProcess = await startCli(
      ["--config", join(dir, "config.json"), "--log_level", "warn"],
      [port],
    );
    try {
      await waitUntil("three nodes", async () => (await uids(a)).length === 3, 10_000);
      killed.child.kill("SIGKILL");
      await waitUntil("the killed node gone", async () => (await uids(a)).length === 2, 12_000);
      // B heard the last heartbeat at about the same moment; its registry lets go just as A's did.
      await waitUntil("the killed node gone from B too", async () => (await uids(b)).length === 2, 3000);
      assert.deepEqual(await uids(b), [a.server.node.id, b.server.node.id].sort());
    } finally {
      await killed.stop();
    }
  });
});

test("--workers 2 on PostgreSQL alone: both workers join the cluster", async () => {
  const port = await freePort();
  writeFileSync(join(dir, "workers.json"), JSON.stringify({ ...config, http_server: { port } }));
  // Two workers and their primary each load the sources first: slow on a busy machine, so no port deadline.
  const workers = spawnCli(["--config", join(dir, "workers.json"), "--workers", "2"]);
  try {
    await waitUntil("both workers in Info", async () => (await uids(a)).length === 4, 60_000).catch(
      async (err: Error) => {
        throw new Error(
          `${err.message}: Info lists ${(await uids(a)).length}; rotor printed:\n${workers.output()}`,
        );
      },
    );
    const banner = /broker postgres, controller postgres, 2 workers/;
    await waitUntil("the banner", async () => banner.test(workers.output()), 10_000);
  } finally {
    await workers.stop();
  }
  await waitUntil("the workers gone from Info", async () => (await uids(a)).length === 2, 5000);
});
