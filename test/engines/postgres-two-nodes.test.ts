import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { httpApi } from "../helpers/api-clients.js";
import {
  centrifugeClient,
  collectPublications,
  connected,
  eventWhere,
  nextEvent,
  subscribed,
} from "../helpers/centrifuge-clients.js";
import { type PostgresProcess, startPostgres } from "../helpers/postgres-servers.js";
import { sample, scrape } from "../helpers/prometheus.js";
import { assertEveryAcked, publishLoop } from "../helpers/publish-load.js";
import { waitUntil } from "../helpers/redis-servers.js";
import { startTestServers, type TestServer } from "../helpers/server.js";

let postgres: PostgresProcess;
/** Two rotor nodes on one PostgreSQL database and nothing else: its stream broker and its controller. */
let nodes: TestServer[];
let a: TestServer;
let b: TestServer;
before(async () => {
  postgres = await startPostgres();
  const database = await postgres.createDatabase("pgbroker");
  // The helper's server acknowledges commits before writing them; this database's commits are written first, so a killed server keeps them.
  await postgres.sql(`ALTER DATABASE ${database} SET synchronous_commit = on`);
  const dsn = postgres.url(database);
  const config = {
    broker: {
      enabled: true,
      type: "postgres",
      postgres: {
        dsn,
        num_shards: 4,
        use_notify: true,
        cleanup_interval: "300ms",
        outbox: { poll_interval: "50ms" },
      },
    },
    controller: { enabled: true, type: "postgres", postgres: { dsn, num_shards: 2, use_notify: true } },
    prometheus: { enabled: true },
    client: { insecure: true, presence_update_interval: "1s", channel_position_check_delay: "1s" },
    channel: {
      without_namespace: {
        allow_subscribe_for_client: true,
        join_leave: true,
        allow_publish_for_client: true,
      },
      namespaces: [
        { name: "hist", history_size: 1000, history_ttl: "300s", force_recovery: true },
        { name: "brief", history_size: 10, history_ttl: "1s", history_meta_ttl: "1s" },
      ],
    },
  };
  nodes = await startTestServers([config, config]);
  [a, b] = nodes as [TestServer, TestServer];
});
after(async () => {
  await Promise.all((nodes ?? []).map((n) => n.close()));
  await postgres?.stop();
});

async function api(srv: TestServer, method: string, body: unknown) {
  const res = await httpApi(srv.url, method, body, { "X-API-Key": srv.apiKey });
  assert.equal(res.status, 200);
  return res.body as { result?: Record<string, unknown>; error?: { code: number; message: string } };
}

describe("two nodes on one PostgreSQL", () => {
  test("a publication on B reaches a subscriber on A, with its offset and epoch from the stream table", async () => {
    const onA = centrifugeClient(a.url, "protobuf");
    try {
      const pubs = collectPublications((await subscribed(onA, "hist:ab")).sub);
      const first = await api(b, "publish", { channel: "hist:ab", data: { n: 1 } });
      await api(a, "publish", { channel: "hist:ab", data: { n: 2 } });
      assert.equal(first.result!.offset, 1);
      assert.match(first.result!.epoch as string, /^[0-9a-f]{8}$/);
      assert.deepEqual(
        (await pubs.take(2)).map((p) => [p.data, p.offset]),
        [
          [{ n: 1 }, 1],
          [{ n: 2 }, 2],
        ],
      );
    } finally {
      onA.disconnect();
    }
  });

  test("joins and leaves of a client on B reach a subscriber on A", async () => {
    const onA = centrifugeClient(a.url, "json");
    const onB = centrifugeClient(b.url, "json");
    try {
      const { sub } = await subscribed(onA, "jl", { joinLeave: true });
      const ctxB = await connected(onB);
      const joined = eventWhere<{ info: { client: string } }>(
        sub,
        "join",
        (c) => c.info.client === ctxB.client,
      );
      const { sub: subB } = await subscribed(onB, "jl");
      await joined;
      const left = eventWhere<{ info: { client: string } }>(
        sub,
        "leave",
        (c) => c.info.client === ctxB.client,
      );
      subB.unsubscribe();
      await left;
    } finally {
      onA.disconnect();
      onB.disconnect();
    }
  });

  test("history on A holds what B published; a client away from A recovers what B published meanwhile", async () => {
    for (let n = 1; n <= 3; n++) await api(b, "publish", { channel: "hist:rec", data: { n } });
    const history = await api(a, "history", { channel: "hist:rec", limit: -1 });
    assert.deepEqual(
      (history.result!.publications as { data: unknown; offset: number }[]).map((p) => [p.data, p.offset]),
      [
        [{ n: 1 }, 1],
        [{ n: 2 }, 2],
        [{ n: 3 }, 3],
      ],
    );
    const client = centrifugeClient(a.url, "json");
    try {
      const { sub } = await subscribed(client, "hist:rec", { recoverable: true });
      const pubs = collectPublications(sub);
      await api(b, "publish", { channel: "hist:rec", data: { n: 4 } });
      await pubs.take(1);
      const gone = nextEvent(client, "disconnected");
      client.disconnect();
      await gone;
      await api(b, "publish", { channel: "hist:rec", data: { n: 5 } });
      await api(b, "publish", { channel: "hist:rec", data: { n: 6 } });
      const back = nextEvent<{ recovered: boolean; wasRecovering: boolean }>(sub, "subscribed");
      client.connect();
      assert.deepEqual([(await back).wasRecovering, (await back).recovered], [true, true]);
      assert.deepEqual(
        (await pubs.take(3)).map((p) => p.offset),
        [4, 5, 6],
      );
    } finally {
      client.disconnect();
    }
  });

  test("a row an application commits with cf_stream_publish in its own transaction reaches subscribers; a rolled back one never", async () => {
    const onA = centrifugeClient(a.url, "json");
    try {
      const pubs = collectPublications((await subscribed(onA, "hist:app")).sub);
      const client = new pg.Client({ connectionString: a.config.broker.postgres.dsn });
      await client.connect();
      try {
        await client.query("BEGIN");
        await client.query("SELECT * FROM cf_stream_publish('hist:app', '{\"n\": 1}'::jsonb)");
        await client.query("ROLLBACK");
        await client.query("BEGIN");
        await client.query(
          "SELECT * FROM cf_stream_publish(p_channel => 'hist:app', p_data => '{\"n\": 2}', p_history_size => 10, p_history_ttl => '5 minutes')",
        );
        await sleep(200);
        assert.equal(pubs.received.length, 0, "nothing is delivered before the commit");
        await client.query("COMMIT");
      } finally {
        await client.end();
      }
      assert.deepEqual(
        (await pubs.take(1)).map((p) => [p.data, p.offset]),
        [[{ n: 2 }, 1]],
      );
    } finally {
      onA.disconnect();
    }
  });

  test("bytes that are not JSON are refused with 100 on the JSONB tables, the error naming binary_data", async () => {
    const res = await api(a, "publish", {
      channel: "hist:bin",
      b64data: Buffer.from([0xff, 1]).toString("base64"),
    });
    assert.equal(res.error?.code, 100);
  });
});

describe("the PostgreSQL broker's metrics", () => {
  test("partitions, the rows each cleanup pass deleted and each shard's cursor lag, under Centrifugo's names", async () => {
    await api(a, "publish", { channel: "brief:gone", data: {} });
    const metric = async (name: string, labels: Record<string, string>, srv = a) =>
      sample(await scrape(`${srv.url}/metrics`), name, labels);
    // Today's partition and the two days ahead.
    await waitUntil(
      "the partitions counted",
      async () => (await metric("centrifugo_broker_postgres_partitions", { broker_name: "" })) === 3,
    );
    // Both nodes clean up; whichever comes first deletes the row.
    const removed = async () => {
      const labels = { broker_name: "", pass: "meta" };
      const counts = await Promise.all(
        nodes.map((srv) => metric("centrifugo_broker_postgres_cleanup_removed_total", labels, srv)),
      );
      return counts.reduce<number>((sum, n) => sum + (n ?? 0), 0);
    };
    await waitUntil("the expired stream meta deleted and counted", async () => (await removed()) === 1);
    // Each shard's cursor lag: the age of the row its poller read last, 0 for a shard that has none.
    const lags = async () =>
      Promise.all(
        [0, 1, 2, 3].map((shard) =>
          metric("centrifugo_broker_postgres_outbox_cursor_lag_seconds", {
            broker_name: "",
            shard: `${shard}`,
          }),
        ),
      );
    await waitUntil("every shard's lag sampled", async () =>
      (await lags()).every((lag) => lag !== undefined),
    );
    const sampled = (await lags()) as number[];
    assert.ok(sampled.every((lag) => lag >= 0));
    assert.ok(
      sampled.some((lag) => lag > 0),
      `lags ${sampled}`,
    );
    const position = await api(a, "history", { channel: "brief:gone", limit: 0 });
    assert.equal(position.result!.offset, 0, "a new stream starts at offset 0");
  });
});

describe("PostgreSQL stopped under a publish load and started again", () => {
  test("publish and history answer 100 meanwhile, clients stay connected and end up with every acknowledged publication, in order, once; the nodes find each other again", async () => {
    const channel = "hist:load";
    const clients = nodes.flatMap((srv) => [
      centrifugeClient(srv.url, "json"),
      centrifugeClient(srv.url, "protobuf"),
    ]);
    try {
      const collectors = await Promise.all(
        clients.map(async (client) => collectPublications((await subscribed(client, channel)).sub)),
      );
      const load = publishLoop(nodes, channel);
      await waitUntil("some publications before the outage", async () => load.acked.length >= 20);
      await postgres.kill();
      const ackedBefore = load.acked.length;
      await waitUntil("API errors during the outage", async () => load.codes.length >= 5);
      assert.deepEqual(new Set(load.codes), new Set([100]));
      assert.equal((await api(a, "history", { channel, limit: 1 })).error?.code, 100);
      for (const client of clients) assert.equal(client.state, "connected");
      await postgres.restart();
      await waitUntil(
        "publications acknowledged again",
        async () => load.acked.length >= ackedBefore + 20,
        20_000,
      );
      await load.stop();

      await assertEveryAcked(collectors, load.acked);
      for (const client of clients) assert.equal(client.state, "connected");
      await waitUntil(
        "both nodes in Info again",
        async () => ((await api(a, "info", {})).result!.nodes as unknown[]).length === 2,
        10_000,
      );
    } finally {
      for (const client of clients) client.disconnect();
    }
  });
});
