import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import pg from "pg";
import pino from "pino";
import { createPostgresBroker } from "../../../src/broker/postgres/postgres-broker.js";
import { loadConfig } from "../../../src/config/load.js";
import type { Broker, BrokerEventHandler } from "../../../src/core/broker.js";
import type { Publication } from "../../../src/core/publication.js";
import { maintainPartitions } from "../../../src/postgres/partitions.js";
import { type PostgresProcess, startPostgres } from "../../helpers/postgres-servers.js";
import { waitUntil } from "../../helpers/redis-servers.js";

const log = pino({ level: "silent" });
const history = { historySize: 10, historyTtl: 60_000, historyMetaTtl: 3_600_000 };
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const dayMs = 86_400_000;

let postgres: PostgresProcess;
let database: string;
let dsn: string;
before(async () => {
  postgres = await startPostgres();
  database = await postgres.createDatabase("pgbroker");
  // The helper's server acknowledges commits before writing them; this database's commits are written first.
  await postgres.sql(`ALTER DATABASE ${database} SET synchronous_commit = on`);
  dsn = postgres.url(database);
});
after(() => postgres?.stop());

function broker(options: Record<string, unknown>): Broker {
  const loaded = loadConfig({
    object: { broker: { enabled: true, type: "postgres", postgres: { dsn, num_shards: 4, ...options } } },
  });
  assert.equal(loaded.error, undefined);
  return createPostgresBroker(loaded.config!.broker.postgres, log);
}

function recorder() {
  const pubs: { channel: string; pub: Publication }[] = [];
  const gaps: string[][] = [];
  const handler: BrokerEventHandler = {
    onPublication: (channel, pub) => pubs.push({ channel, pub }),
    onJoin: () => {},
    onLeave: () => {},
    onDeliveryGap: (channels) => gaps.push([...channels]),
  };
  return { pubs, gaps, handler };
}

test("NOTIFY wakes the shard that has work, with an upper-case prefix too: delivery does not wait for the 30 s poll", async () => {
  const options = { table_prefix: "Wake_Up", use_notify: true, outbox: { poll_interval: "30s" } };
  const writer = broker(options);
  const reader = broker(options);
  const seen = recorder();
  await writer.start(recorder().handler);
  await reader.start(seen.handler);
  try {
    const channels = ["a", "b", "c", "d", "e", "f", "g", "h"];
    await reader.subscribe(channels);
    for (const channel of channels) await writer.publish(channel, json({ channel }), history);
    await waitUntil("every channel delivered", async () => seen.pubs.length === channels.length, 3000);
    assert.deepEqual(seen.pubs.map((p) => p.channel).sort(), channels);
    const shards = await postgres.sql<{ n: number }>(
      "SELECT count(DISTINCT shard_id)::int AS n FROM wake_up_stream",
      [],
      database,
    );
    assert.ok(shards[0]!.n > 1, "the channels spread over several shards");
  } finally {
    await Promise.all([writer.close(), reader.close()]);
  }
});

test("a database that does not answer fails a publish after query_timeout instead of holding it, and the broker works on once it answers", async () => {
  const node = broker({ table_prefix: "deadline", query_timeout: "300ms" });
  await node.start(recorder().handler);
  const locker = new pg.Client({ connectionString: dsn });
  await locker.connect();
  try {
    // Every publish writes the stream table: with it locked, the database holds the call unanswered.
    await locker.query("BEGIN");
    await locker.query("LOCK TABLE deadline_stream IN ACCESS EXCLUSIVE MODE");
    const startedAt = Date.now();
    await assert.rejects(node.publish("held", json({ n: 1 }), history), /timeout/);
    const took = Date.now() - startedAt;
    assert.ok(took >= 300 && took < 5000, `failed after ${took} ms`);
    await locker.query("ROLLBACK");
    const result = await node.publish("held", json({ n: 2 }), history);
    assert.ok(result.offset >= 1);
  } finally {
    await locker.end();
    await node.close();
  }
});

test("rows an application writes with odd tags: other JSON values pass as text, a row whose tags are no object is skipped and the shard flows on", async () => {
  const reader = broker({ table_prefix: "tags", outbox: { poll_interval: "20ms" } });
  const seen = recorder();
  await reader.start(seen.handler);
  try {
    await reader.subscribe(["t"]);
    for (const tags of ['{"kind": "order", "n": 2}', "[1, 2]", '{"last": "yes"}']) {
      await postgres.sql("SELECT * FROM tags_stream_publish('t', '{}', $1::jsonb)", [tags], database);
    }
    await waitUntil("the last row delivered", async () => seen.pubs.some((p) => p.pub.tags?.last === "yes"));
    assert.deepEqual(
      seen.pubs.map((p) => [p.pub.offset, p.pub.tags]),
      [
        [1, { kind: "order", n: "2" }],
        [3, { last: "yes" }],
      ],
    );
  } finally {
    await reader.close();
  }
});

test("with skip_schema_init a node starts while PostgreSQL is down, replays no old rows and asks for a position check", async () => {
  const writer = broker({ table_prefix: "skip", outbox: { poll_interval: "20ms" } });
  await writer.start(recorder().handler);
  for (let n = 1; n <= 3; n++) await writer.publish("old", json({ n }), history);
  await postgres.kill();
  const seen = recorder();
  const late = broker({ table_prefix: "skip", skip_schema_init: true, outbox: { poll_interval: "20ms" } });
  try {
    await late.start(seen.handler);
    await late.subscribe(["old"]);
    await postgres.restart();
    await waitUntil("a position check once PostgreSQL is back", async () => seen.gaps.length > 0, 10_000);
    assert.deepEqual(seen.gaps[0], ["old"]);
    let gapsBeforePublish = 0;
    await waitUntil(
      "a publish goes through again",
      () => {
        gapsBeforePublish = seen.gaps.length;
        return writer.publish("old", json({ n: 4 }), history).then(
          () => true,
          () => false,
        );
      },
      10_000,
    );
    // Each shard reads its start position when it first reaches the database. A publication committed before
    // its shard's poller got there is below that start, and that shard's recovery then asks for a position
    // check: delivered live or checked for afterwards, never silently missed.
    await waitUntil(
      "the new publication delivered, or a position check after it",
      async () => seen.pubs.length > 0 || seen.gaps.length > gapsBeforePublish,
    );
    assert.ok(
      seen.pubs.every((p) => p.pub.offset === 4),
      `no old row replayed: ${seen.pubs.map((p) => p.pub.offset)}`,
    );
  } finally {
    await Promise.all([writer.close(), late.close()]);
  }
});

test("partitions: the lookahead days exist, days past retention are dropped", async () => {
  const writer = broker({ table_prefix: "parts", partition_lookahead_days: 1 });
  await writer.start(recorder().handler);
  await writer.close();
  const children = async () =>
    (
      await postgres.sql<{ name: string }>(
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'parts_stream' ORDER BY 1`,
        [],
        database,
      )
    ).map((r) => r.name);
  const now = Date.now();
  const day = (offset: number) =>
    `parts_stream_${new Date(now + offset * dayMs).toISOString().slice(0, 10).replaceAll("-", "_")}`;
  assert.deepEqual(await children(), [day(0), day(1)]);
  const client = new pg.Client({ connectionString: dsn });
  await client.connect();
  try {
    // Three days on, with two days of retention: today's partition goes, tomorrow's stays.
    await maintainPartitions(client, "parts_stream", 1, 2, now + 3 * dayMs);
  } finally {
    await client.end();
  }
  assert.deepEqual(await children(), [day(1), day(3), day(4)]);
});
