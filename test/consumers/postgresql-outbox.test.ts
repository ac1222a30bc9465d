import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { httpApi } from "../helpers/api-clients.js";
import { type PostgresProcess, startPostgres } from "../helpers/postgres-servers.js";
import { type RedisProcess, startRedis, waitUntil } from "../helpers/redis-servers.js";
import {
  consumerCount,
  everyOneArrived,
  processed,
  rotorProcess,
  sequence,
  serverWithConsumer,
  watch,
} from "./consumer-fixtures.js";

let pg: PostgresProcess;

before(async () => {
  pg = await startPostgres();
});
after(async () => {
  await pg.stop();
});

/** A fresh database with an outbox table as Centrifugo's docs describe it (payload as given: JSONB, BYTEA…). */
async function outboxDatabase(table = "outbox", payload = "JSONB"): Promise<{ db: string; dsn: string }> {
  const db = await pg.createDatabase("outbox");
  await pg.sql(
    `CREATE TABLE ${table} (id BIGSERIAL PRIMARY KEY, method TEXT, payload ${payload},
      partition INTEGER NOT NULL DEFAULT 0, created_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
    [],
    db,
  );
  return { db, dsn: pg.url(db) };
}

function outboxConsumer(dsn: string, options: Record<string, unknown> = {}) {
  return {
    name: "outbox",
    type: "postgresql",
    postgresql: { dsn, outbox_table_name: "outbox", partition_poll_interval: "100ms", ...options },
  };
}

const publish = (channel: string, n: number) => JSON.stringify({ channel, data: { n } });

test("committed rows reach subscribers in order per partition, each once; rolled-back rows never", async () => {
  const { db, dsn } = await outboxDatabase('"Outbox"');
  // The trigger names the channel with capitals; a poll interval of a minute leaves NOTIFY to wake the workers.
  await pg.sql(
    `CREATE FUNCTION outbox_notify() RETURNS trigger AS $$
       BEGIN PERFORM pg_notify('Outbox_Events', NEW.partition::text); RETURN NEW; END $$ LANGUAGE plpgsql;
     CREATE TRIGGER outbox_notify AFTER INSERT ON "Outbox" FOR EACH ROW EXECUTE FUNCTION outbox_notify();`,
    [],
    db,
  );
  const server = await serverWithConsumer(
    outboxConsumer(dsn, {
      outbox_table_name: "Outbox",
      num_partitions: 2,
      partition_poll_interval: "60s",
      partition_notification_channel: "Outbox_Events",
    }),
  );
  const watcher = await watch(server.url, ["p0", "p1"]);
  try {
    const committed: Record<string, number[]> = { p0: [], p1: [] };
    for (let round = 0; round < 10; round++) {
      const rollback = round % 3 === 2;
      const rows = [0, 1, 2, 3].map((i) => ({ partition: i % 2, n: round * 10 + i }));
      const values = rows.map((r) => `('publish', '${publish(`p${r.partition}`, r.n)}', ${r.partition})`);
      await pg
        .sql(
          `DO $$ BEGIN
           INSERT INTO "Outbox" (method, payload, partition) VALUES ${values.join(", ")};
           ${rollback ? "RAISE EXCEPTION 'rolled back';" : ""}
         END $$`,
          [],
          db,
        )
        .catch((err: Error) => assert.match(err.message, /rolled back/));
      if (!rollback) for (const r of rows) committed[`p${r.partition}`]!.push(r.n);
    }
    const p0 = await watcher.on("p0").take(committed.p0!.length);
    const p1 = await watcher.on("p1").take(committed.p1!.length);
    assert.deepEqual(sequence(p0), committed.p0);
    assert.deepEqual(sequence(p1), committed.p1);
    // A NOTIFY statement folds the unquoted name to lower case: that wakes the worker too.
    await pg.sql(`ALTER TABLE "Outbox" DISABLE TRIGGER outbox_notify`, [], db);
    await pg.sql(
      `INSERT INTO "Outbox" (method, payload) VALUES ('publish', '${publish("p0", 999)}')`,
      [],
      db,
    );
    await pg.sql("NOTIFY Outbox_Events, '0'", [], db);
    const [late] = (await watcher.on("p0").take(committed.p0!.length + 1)).slice(-1);
    assert.deepEqual(late?.data, { n: 999 });
    assert.equal(watcher.on("p0").received.length + watcher.on("p1").received.length, 7 * 4 + 1);
    assert.deepEqual(await pg.sql(`SELECT id FROM "Outbox"`, [], db), []);
  } finally {
    watcher.close();
    await server.close();
  }
});

test("malformed rows are skipped and the partition keeps flowing; a NULL method is an envelope", async () => {
  const { db, dsn } = await outboxDatabase("outbox", "BYTEA");
  const server = await serverWithConsumer(outboxConsumer(dsn));
  const watcher = await watch(server.url, ["news"]);
  try {
    const rows: [string | null, string | null][] = [
      [null, null],
      [null, "not json"],
      [null, '{"method":"publish","payload":{"channel":"news","data":{"n":1}}}'],
      ["publish", "{broken"],
      ["publish", '{"channel":"news","data":{"n":2},"tags":"not a map"}'],
      ["batch", '{"commands":[]}'],
      ["presence", '{"channel":"news"}'],
      ["publish", '{"channel":"nowhere:x","data":{"n":-1}}'],
      ["", '{"method":"publish","payload":"{\\"channel\\":\\"news\\",\\"data\\":{\\"n\\":3}}"}'],
      ["publish", publish("news", 4)],
    ];
    for (const [method, payload] of rows) {
      await pg.sql(
        "INSERT INTO outbox (method, payload) VALUES ($1, convert_to($2, 'UTF8'))",
        [method, payload],
        db,
      );
    }
    const received = await watcher.on("news").take(3);
    assert.deepEqual(sequence(received), [1, 3, 4]);
    await processed(server, "outbox", rows.length);
    assert.deepEqual(await pg.sql("SELECT id FROM outbox", [], db), []);
    assert.equal(await consumerCount(server, "errors_total", "outbox"), 0);
  } finally {
    watcher.close();
    await server.close();
  }
});

test("a row failing with an internal error is retried, in place, until the fault clears", async () => {
  const { db, dsn } = await outboxDatabase();
  const redis: RedisProcess = await startRedis();
  const server = await serverWithConsumer(outboxConsumer(dsn), {
    engine: { type: "redis", redis: { address: redis.url } },
    channel: { without_namespace: { history_size: 10, history_ttl: "60s" } },
  });
  try {
    await redis.kill();
    await pg.sql(
      `INSERT INTO outbox (method, payload) VALUES ('publish', '${publish("news", 1)}'),
        ('publish', '${publish("news", 2)}')`,
      [],
      db,
    );
    await waitUntil("retries", async () => (await consumerCount(server, "errors_total", "outbox")) >= 2);
    assert.equal((await pg.sql("SELECT id FROM outbox", [], db)).length, 2);
    await redis.restart();
    await waitUntil(
      "the outbox drained",
      async () => (await pg.sql("SELECT id FROM outbox", [], db)).length === 0,
    );
    const history = await httpApi(
      server.url,
      "history",
      { channel: "news", limit: -1 },
      { "x-api-key": server.apiKey },
    );
    const publications = (history.body as { result: { publications: { data: { n: number } }[] } }).result
      .publications;
    assert.deepEqual(
      publications.map((p) => p.data.n),
      [1, 2],
    );
  } finally {
    await server.close();
    await redis.stop();
  }
});

for (const use_try_lock of [false, true]) {
  test(`two nodes on one outbox take turns by partition and deliver no row twice (use_try_lock: ${use_try_lock})`, async () => {
    const { db, dsn } = await outboxDatabase();
    const consumer = outboxConsumer(dsn, { num_partitions: 4, partition_select_limit: 10, use_try_lock });
    const [a, b] = await Promise.all([serverWithConsumer(consumer), serverWithConsumer(consumer)]);
    const channels = ["c0", "c1", "c2", "c3"];
    const [wa, wb] = await Promise.all([watch(a.url, channels), watch(b.url, channels)]);
    try {
      const total = 400;
      const values = Array.from(
        { length: total },
        (_, n) => `('publish', '${publish(`c${n % 4}`, n)}', ${n % 4})`,
      );
      for (let i = 0; i < total; i += 50) {
        await pg.sql(
          `INSERT INTO outbox (method, payload, partition) VALUES ${values.slice(i, i + 50).join(", ")}`,
          [],
          db,
        );
      }
      await waitUntil(
        "the outbox drained",
        async () => (await pg.sql("SELECT id FROM outbox", [], db)).length === 0,
      );
      await waitUntil(
        "both nodes counted",
        async () =>
          (await consumerCount(a, "messages_processed_total", "outbox")) +
            (await consumerCount(b, "messages_processed_total", "outbox")) ===
          total,
      );
      const all = channels.flatMap((c) => [...wa.on(c).received, ...wb.on(c).received]);
      const ns = sequence(all) as number[];
      assert.equal(ns.length, total);
      assert.equal(new Set(ns).size, total);
    } finally {
      wa.close();
      wb.close();
      await Promise.all([a.close(), b.close()]);
    }
  });
}

test("turns back to back on one connection delete a row only once its publish is done, and never run it twice", async () => {
  const { db, dsn } = await outboxDatabase();
  const redis = await startRedis();
  const server = await serverWithConsumer(outboxConsumer(dsn, { partition_select_limit: 10 }), {
    engine: { type: "redis", redis: { address: redis.url } },
  });
  const watcher = await watch(server.url, ["news"]);
  try {
    const total = 2000;
    const values = Array.from({ length: total }, (_, n) => `('publish', '${publish("news", n)}')`);
    await pg.sql(`INSERT INTO outbox (method, payload) VALUES ${values.join(", ")}`, [], db);
    await watcher.on("news").take(50);
    // Redis holds every write for a while: the publish in hand waits, mid-run, with its row and the rows after it.
    await redis.cli("CLIENT", "PAUSE", "1500", "WRITE");
    await new Promise((resolve) => setTimeout(resolve, 500));
    const left = await pg.sql<{ n: number }>("SELECT (payload->'data'->>'n')::int AS n FROM outbox", [], db);
    const remaining = new Set(left.map((r) => r.n));
    const seen = new Set(sequence(watcher.on("news").received));
    assert.ok(remaining.size > 0 && seen.size < total, "the run ended before the pause");
    for (let n = 0; n < total; n++)
      assert.ok(remaining.has(n) || seen.has(n), `row ${n} left the table, yet its publication never came`);
    assert.deepEqual(
      sequence(await watcher.on("news").take(total, 20_000)),
      Array.from({ length: total }, (_, n) => n),
    );
    await processed(server, "outbox", total);
  } finally {
    watcher.close();
    await server.close();
    await redis.stop();
  }
});

test("PostgreSQL killed and restarted mid-run: every committed row arrives", async () => {
  const { db, dsn } = await outboxDatabase();
  // The test cluster commits asynchronously (fast, and lossy in a crash): this database commits as production ones do.
  await pg.sql(`ALTER DATABASE ${db} SET synchronous_commit = on`);
  const server = await serverWithConsumer(outboxConsumer(dsn, { partition_select_limit: 20 }));
  const watcher = await watch(server.url, ["news"]);
  try {
    const total = 300;
    const values = Array.from({ length: total }, (_, n) => `('publish', '${publish("news", n)}')`);
    await pg.sql(`INSERT INTO outbox (method, payload) VALUES ${values.join(", ")}`, [], db);
    await watcher.on("news").take(10);
    await pg.kill();
    await pg.restart();
    const ns = sequence(await watcher.on("news").take(total, 20_000)) as number[];
    await waitUntil(
      "the outbox drained",
      async () => (await pg.sql("SELECT id FROM outbox", [], db)).length === 0,
    );
    const seen = sequence(watcher.on("news").received) as number[];
    assert.deepEqual(
      [...new Set(seen)].sort((x, y) => x - y),
      Array.from({ length: total }, (_, n) => n),
    );
    // At-least-once: only the batch in hand when the connection dropped may come twice.
    assert.ok(seen.length - total <= 20, `${seen.length - total} duplicates`);
    assert.ok(ns.length >= total);
  } finally {
    watcher.close();
    await server.close();
  }
});

test("a rotor killed mid-batch loses nothing: its uncommitted batch is read again by another node", async () => {
  const { db, dsn } = await outboxDatabase();
  const redis = await startRedis();
  const engine = { engine: { type: "redis", redis: { address: redis.url } } };
  const consumer = outboxConsumer(dsn, { partition_select_limit: 500 });
  const doomed = await rotorProcess({ ...engine, consumers: [{ enabled: true, ...consumer }] });
  const survivor = await serverWithConsumer(consumer, engine);
  const watcher = await watch(survivor.url, ["news"]);
  try {
    const total = 3000;
    const values = Array.from({ length: total }, (_, n) => `('publish', '${publish("news", n)}')`);
    await pg.sql(`INSERT INTO outbox (method, payload) VALUES ${values.join(", ")}`, [], db);
    await watcher.on("news").take(50, 15_000);
    await doomed.kill();
    await everyOneArrived(watcher.on("news").received, total, 30_000);
    await waitUntil(
      "the outbox drained",
      async () => (await pg.sql("SELECT id FROM outbox", [], db)).length === 0,
    );
    const seen = sequence(watcher.on("news").received) as number[];
    assert.ok(seen.length - total <= 500, `${seen.length - total} duplicates`);
  } finally {
    watcher.close();
    await survivor.close();
    await redis.stop();
  }
});

test("a consumer whose table does not exist stops the start, saying which", async () => {
  const { dsn } = await outboxDatabase();
  await assert.rejects(
    serverWithConsumer(outboxConsumer(dsn, { outbox_table_name: "missing" })),
    /error initializing consumer outbox: consumers\[0\]\.postgresql: outbox table missing does not exist/,
  );
});
