import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client as PgClient } from "pg";
import { batchPublisherFile, publishInBatches } from "../lib/batch-publish.js";
import { type BenchServer, startRotor } from "../lib/bench-server.js";
import { nowMs } from "../lib/clock.js";
import { openFleet } from "../lib/fleet.js";
import { ask } from "../lib/ipc.js";
import { pgbench } from "../lib/pgbench.js";
import { missingPostgres, type PostgresServer, startPostgresServer } from "../lib/postgres-server.js";
import { freePort, spawnNode } from "../lib/processes.js";
import { atLeast, makeRow } from "../lib/report.js";
import { ensurePackages } from "../lib/system-tools.js";
import type { ScenarioContext } from "./context.js";

interface Sizes {
  /** Publications per run of the stream broker's publish (rotor's and pgbench's). */
  readonly publications: number;
  readonly channels: number;
  /** Publications per API batch and outbox rows per inserting transaction. */
  readonly batchSize: number;
  /** API batches (and outbox transactions) in flight. */
  readonly inFlight: number;
  /** rotor's pool to PostgreSQL (`broker.postgres.pool_size`), and pgbench's clients. */
  readonly pool: number;
  /** Outbox rows (and direct publishes) per run of the consumer comparison. */
  readonly rows: number;
  /** Subscriber connections, one channel each, for the consumer comparison. */
  readonly subscribers: number;
  /** The outbox's partitions (`num_partitions`): as many as the API's requests in flight. */
  readonly partitions: number;
}

const full: Sizes = {
  publications: 32_000,
  channels: 1000,
  batchSize: 100,
  inFlight: 8,
  pool: 16,
  rows: 24_000,
  subscribers: 100,
  partitions: 8,
};
const quick: Sizes = { ...full, publications: 4800, rows: 4800 };
/** Rows (and direct publishes) sent through a fresh rotor before the consumer comparison is timed. */
const warmUpRows = 4800;

/** What rotor's stream broker stores per channel in this scenario. */
const history = { size: 10, ttl: "300s", ttlMs: 300_000 };
/** rotor's defaults the publish passes on: `channel.history_meta_ttl` (720h) and the idempotency TTL (5m). */
const metaTtlMs = 720 * 3600 * 1000;
const idempotentTtlMs = 300_000;
const shards = 8;
const stream = "cf_stream";

/**
 * The call rotor's broker makes for one publish without tags, version,
 * idempotency key or client, with the same arguments and the payload of
 * the batch publisher's size; the channel is one of `channels`.
 */
function publishScript(channels: number): string {
  const data = JSON.stringify({ t: 0, p: "x".repeat(86) });
  return `\\set ch random(0, ${channels - 1})
SELECT out_channel_offset, out_epoch, out_suppressed, out_suppress_reason FROM ${stream}_publish(
  p_channel => 'bench' || :ch, p_data => '${data}', p_tags => NULL,
  p_history_ttl => '${history.ttlMs} milliseconds'::interval, p_history_size => ${history.size},
  p_meta_ttl => '${metaTtlMs} milliseconds'::interval, p_version => NULL, p_version_epoch => NULL,
  p_idempotency_key => NULL, p_idempotency_ttl => '${idempotentTtlMs} milliseconds'::interval,
  p_use_delta => false, p_client_id => NULL, p_user_id => NULL, p_conn_info => NULL, p_chan_info => NULL,
  p_num_shards => ${shards});
`;
}

/** One outbox transaction: `batchSize` publish commands, to consecutive channels, as the batch publisher sends them. */
function outboxScript(s: Sizes): string {
  return `INSERT INTO outbox (method, payload, partition)
SELECT 'publish', jsonb_build_object('channel', 'bench' || (i % ${s.subscribers}),
  'data', jsonb_build_object('t', 0, 'p', repeat('x', 86))), i % ${s.partitions}
FROM generate_series(0, ${s.batchSize - 1}) AS i;
`;
}

/** rotor from a config file written for it, removed once it started. */
async function startRotorWith(config: object, cpus: string): Promise<BenchServer> {
  const dir = mkdtempSync(join(tmpdir(), "rotor-bench-config-"));
  const file = join(dir, "config.json");
  writeFileSync(file, JSON.stringify(config));
  try {
    return await startRotor(await freePort(), cpus, ["--config", file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function onPostgresBroker(pg: PostgresServer, database: string, s: Sizes): object {
  return {
    broker: {
      enabled: true,
      type: "postgres",
      postgres: { dsn: pg.url(database), use_notify: true, pool_size: s.pool, num_shards: shards },
    },
    channel: { without_namespace: { history_size: history.size, history_ttl: history.ttl } },
  };
}

let databases = 0;

/** A database copied from `template` (made once with rotor's schema, so each run starts on an empty stream). */
async function freshDatabase(pg: PostgresServer, template: string): Promise<string> {
  const name = `run_${++databases}`;
  await pg.sql(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  return name;
}

async function streamRows(pg: PostgresServer, database: string): Promise<number> {
  const [row] = await pg.sql<{ n: string }>(
    `SELECT count(*) AS n FROM ${stream} WHERE kind = 0`,
    [],
    database,
  );
  return Number(row?.n);
}

/** Publications/s through rotor's batch API on the PostgreSQL stream broker. */
async function rotorPublishes(pg: PostgresServer, database: string, s: Sizes, ctx: ScenarioContext) {
  const rotor = await startRotorWith(onPostgresBroker(pg, database, s), ctx.options.serverCpus);
  try {
    const load = {
      channels: s.channels,
      count: s.publications,
      batchSize: s.batchSize,
      concurrency: s.inFlight,
    };
    return await publishInBatches(rotor.url, load, ctx, "postgres");
  } finally {
    await rotor.proc.stop();
  }
}

/** A database with Centrifugo's outbox table and a trigger that names the partition of each row in a NOTIFY. */
async function outboxDatabase(pg: PostgresServer): Promise<string> {
  const name = `outbox_${++databases}`;
  await pg.sql(`CREATE DATABASE ${name}`);
  await pg.sql(
    `CREATE TABLE outbox (id BIGSERIAL PRIMARY KEY, method TEXT NOT NULL, payload JSONB NOT NULL,
       partition INTEGER NOT NULL DEFAULT 0, created_at TIMESTAMPTZ NOT NULL DEFAULT now());
     CREATE FUNCTION outbox_notify() RETURNS trigger AS $$
       BEGIN PERFORM pg_notify('outbox_change', NEW.partition::text); RETURN NEW; END $$ LANGUAGE plpgsql;
     CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION outbox_notify();`,
    [],
    name,
  );
  return name;
}

/**
 * The consumer's own pace: rows written while every partition's advisory
 * lock is held elsewhere (rotor's workers wait, as a second node's would),
 * then the locks released at once; timed from the release to the last
 * delivery. With live writers the inserts set the pace instead.
 */
async function drainBacklog(
  pg: PostgresServer,
  database: string,
  s: Sizes,
  fleet: Awaited<ReturnType<typeof openFleet>>,
  write: () => Promise<number>,
): Promise<{ rate: number; received: number; writers: number }> {
  await fleet.reset();
  const holder = new PgClient({ connectionString: pg.url(database) });
  await holder.connect();
  let writers: number;
  try {
    for (let partition = 0; partition < s.partitions; partition++)
      await holder.query("SELECT pg_advisory_lock(hashtext($1))", [
        `centrifugo_partition_lock_outbox${partition}`,
      ]);
    writers = await write();
  } catch (err) {
    await holder.end();
    throw err;
  }
  const releasedAt = nowMs();
  await holder.end();
  const got = await fleet.waitFor(s.rows, 5000);
  return { rate: got.received / ((got.lastAt - releasedAt) / 1000), received: got.received, writers };
}

/**
 * Publications/s reaching the subscribers, on one rotor (memory engine)
 * consuming an outbox: first the rows pgbench inserts (transactions of
 * `batchSize` publish commands, `inFlight` clients), then the same number
 * of publications through the batch API (`batchSize` per request,
 * `inFlight` in flight). Each run is timed from its first write to the
 * last delivery: for the outbox, the start of pgbench's first transaction
 * (its clients connect first, as an application's pool already has). Both
 * paths are warmed first with `warmUpRows` of each, untimed, and the table
 * vacuumed after, so that each timed run meets a warm rotor and an outbox
 * without dead rows.
 */
async function outboxAgainstApi(pg: PostgresServer, s: Sizes, ctx: ScenarioContext) {
  const { serverCpus, loadCpus } = ctx.options;
  const database = await outboxDatabase(pg);
  const consumer = {
    name: "outbox",
    enabled: true,
    type: "postgresql",
    postgresql: {
      dsn: pg.url(database),
      outbox_table_name: "outbox",
      num_partitions: s.partitions,
      partition_notification_channel: "outbox_change",
    },
  };
  const rotor = await startRotorWith({ consumers: [consumer] }, serverCpus);
  const channels = Array.from({ length: s.subscribers }, (_, i) => `bench${i}`);
  const publisher = spawnNode([batchPublisherFile], loadCpus, true);
  try {
    const fleet = await openFleet({
      url: rotor.url,
      mode: "centrifugo",
      count: s.subscribers,
      channels,
      subscribe: true,
      cpus: loadCpus,
    });
    try {
      const rows = s.rows;
      const writers = (n: number) => ["-c", String(s.inFlight), "-t", String(n / (s.batchSize * s.inFlight))];
      const publish = async (count: number) => {
        const result = await ask<{ errors: number; firstError: string }>(publisher.child, {
          type: "run",
          url: rotor.url,
          channels: s.subscribers,
          count,
          batchSize: s.batchSize,
          concurrency: s.inFlight,
        });
        if (result.errors > 0)
          ctx.report.notes.push(`postgres: ${result.errors} direct publishes failed: ${result.firstError}`);
      };
      // Both paths warmed before either is timed (the consumer, the API, the fan-out, the subscribers): the API
      // run comes after two outbox runs, so the live outbox run would otherwise be the only one on a cold rotor.
      for (const write of [
        () => pgbench(pg, database, outboxScript(s), writers(warmUpRows), loadCpus),
        () => publish(warmUpRows),
      ]) {
        await fleet.reset();
        await write();
        await fleet.waitFor(warmUpRows, 5000);
      }
      await pg.sql("VACUUM outbox", [], database);
      /** `write` returns when its first write was made. */
      const timed = async (write: () => Promise<number>, what: string) => {
        await fleet.reset();
        const startedAt = await write();
        const got = await fleet.waitFor(rows, 5000);
        if (got.received !== rows)
          ctx.report.notes.push(`postgres: ${what} delivered ${got.received} of ${rows}`);
        return got.received / ((got.lastAt - startedAt) / 1000);
      };
      let live = { tps: 0, firstAt: undefined as number | undefined };
      let connecting = 0;
      const consumed = await timed(async () => {
        const spawnedAt = nowMs();
        live = await pgbench(pg, database, outboxScript(s), writers(rows), loadCpus, true);
        connecting = (live.firstAt ?? spawnedAt) - spawnedAt;
        return live.firstAt ?? spawnedAt;
      }, "the outbox");
      const drained = await drainBacklog(pg, database, s, fleet, async () => {
        return (await pgbench(pg, database, outboxScript(s), writers(rows), loadCpus)).tps;
      });
      if (drained.received !== rows)
        ctx.report.notes.push(`postgres: the backlog delivered ${drained.received} of ${rows}`);
      const perSecond = (tps: number) => Math.round(tps * s.batchSize).toLocaleString("en-US");
      ctx.report.notes.push(
        `postgres: the outbox writers inserted ${perSecond(live.tps)} rows/s while rotor consumed (after ${Math.round(connecting)} ms to start pgbench and connect its clients, left out of the timing), ${perSecond(drained.writers)} rows/s with the partitions locked (no consumer)`,
      );
      const direct = await timed(async () => {
        const startedAt = nowMs();
        await publish(rows);
        return startedAt;
      }, "the API");
      return { consumed, drained: drained.rate, direct };
    } finally {
      await fleet.close();
    }
  } finally {
    await publisher.stop();
    await rotor.proc.stop();
  }
}

/**
 * PostgreSQL: publications/s through one rotor node on the PostgreSQL
 * stream broker (batches over the HTTP API, history on) beside pgbench
 * calling the same publish function with as many clients as rotor's pool
 * (the database's limit); and outbox rows/s consumed end to end beside
 * direct API publishes reaching the same subscribers. PostgreSQL runs on
 * the load CPUs, as Redis does in the redis scenario; pgbench runs where
 * rotor runs.
 */
export async function runPostgres(ctx: ScenarioContext): Promise<void> {
  if (!ensurePackages(ctx, "postgres (PostgreSQL and pgbench)", missingPostgres)) return;
  const s = ctx.options.quick ? quick : full;
  const { serverCpus, loadCpus } = ctx.options;
  const limit: number[] = [];
  const rotor: number[] = [];
  const consumed: number[] = [];
  const drained: number[] = [];
  const direct: number[] = [];
  const pg = await startPostgresServer(loadCpus);
  try {
    // rotor makes its schema in a template; each run gets an empty copy.
    const template = "stream_template";
    await pg.sql(`CREATE DATABASE ${template}`);
    const maker = await startRotorWith(onPostgresBroker(pg, template, s), serverCpus);
    await maker.proc.stop();
    const perClient = String(s.publications / s.pool);
    for (let round = 0; round < ctx.options.rounds; round++) {
      ctx.log(`postgres: round ${round + 1}`);
      const benchDb = await freshDatabase(pg, template);
      const args = ["-M", "prepared", "-c", String(s.pool), "-t", perClient];
      limit.push((await pgbench(pg, benchDb, publishScript(s.channels), args, serverCpus)).tps);
      const rotorDb = await freshDatabase(pg, template);
      rotor.push(await rotorPublishes(pg, rotorDb, s, ctx));
      for (const [who, database] of [
        ["pgbench", benchDb],
        ["rotor", rotorDb],
      ] as const) {
        const stored = await streamRows(pg, database);
        if (stored !== s.publications)
          ctx.report.notes.push(`postgres: ${who} stored ${stored} of ${s.publications} publications`);
      }
      const outbox = await outboxAgainstApi(pg, s, ctx);
      consumed.push(outbox.consumed);
      drained.push(outbox.drained);
      direct.push(outbox.direct);
    }
  } finally {
    await pg.stop();
  }
  ctx.report.rows.push(
    makeRow(
      {
        scenario: "postgres",
        case: `stream broker, history on, ${s.channels} channels, batches of ${s.batchSize}, ${s.inFlight} in flight, pool of ${s.pool}`,
        metric: "publications/s",
        unit: "pub/s",
        baseline: `pgbench, same ${stream}_publish call, ${s.pool} clients, prepared`,
        rotor,
        base: limit,
      },
      atLeast(0.5),
    ),
    makeRow(
      {
        scenario: "postgres",
        case: `outbox (${s.partitions} partitions, NOTIFY trigger) to ${s.subscribers} subscribers, ${s.rows} rows in transactions of ${s.batchSize}, ${s.inFlight} writers`,
        metric: "publications delivered/s",
        unit: "pub/s",
        baseline: `the same publications through /api/batch (${s.batchSize} per request, ${s.inFlight} in flight)`,
        rotor: consumed,
        base: direct,
      },
      atLeast(0.5),
    ),
    makeRow(
      {
        scenario: "postgres",
        case: `outbox backlog of ${s.rows} rows (${s.partitions} partitions) drained to ${s.subscribers} subscribers, timed from the release of the partitions' locks`,
        metric: "publications delivered/s",
        unit: "pub/s",
        baseline: `the same publications through /api/batch (${s.batchSize} per request, ${s.inFlight} in flight)`,
        rotor: drained,
        base: direct,
      },
      atLeast(0.5),
    ),
  );
}
