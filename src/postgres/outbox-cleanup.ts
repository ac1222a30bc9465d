import { Wakeup } from "../consumers/wakeup.js";
import { maintainPartitions } from "./partitions.js";
import type { PostgresClient } from "./postgres-client.js";

/** Rows one delete removes; a full batch is followed by another after a short pause. */
const batchSize = 1000;
const batchPauseMs = 100;

/** The tables of one outbox schema (a stream broker's or a map broker's) its cleanup keeps. */
export interface OutboxTables {
  /** The partitioned outbox table. */
  readonly base: string;
  /** Per-channel rows with an `expires_at` (NULL = never). */
  readonly meta: string;
  /** Idempotency results keyed `(channel, idempotency_key)`, with an `expires_at`. */
  readonly idempotency: string;
}

export interface OutboxCleanupOptions {
  readonly cleanup_interval: number;
  readonly partition_lookahead_days: number;
  readonly partition_retention_days: number;
  /** The advisory lock one node holds while it keeps partitions, so nodes do not create the same table at once. */
  readonly partitionLockId: number;
  /** What failed, for the log line (`stream cleanup failed`). */
  readonly what: string;
}

/**
 * What a PostgreSQL broker tells about its upkeep, in Centrifugo's
 * `centrifugo_(map_)broker_postgres_*` terms: rows each cleanup pass
 * deleted, and how many daily partitions the outbox table has.
 */
export interface OutboxCleanupReport {
  cleaned(pass: "meta" | "idempotency", rows: number): void;
  partitions(count: number): void;
}

/** Centrifugo's cursor lag of an outbox's shard pollers: their cursors, and where each shard's lag goes. */
export interface CursorLag {
  cursors(): readonly (string | undefined)[];
  /** Seconds since the row at a shard's cursor was written (0 when there is none). */
  report(shard: number, seconds: number): void;
}

/**
 * Every `cleanup_interval`: deletes expired channel meta rows (the next
 * write starts a new epoch) and expired idempotency results, in batches,
 * then keeps the daily partitions (lookahead created, those past retention
 * dropped), reporting the rows deleted, the partitions there are and, when
 * the caller gives its pollers' cursors, each shard's cursor lag. A failure
 * is logged and the next round tries again. Returns how to stop it.
 */
export function startOutboxCleanup(
  db: PostgresClient,
  n: OutboxTables,
  o: OutboxCleanupOptions,
  report: OutboxCleanupReport,
  lag?: CursorLag,
): () => Promise<void> {
  const wakeup = new Wakeup();
  let closed = false;

  async function deleteExpired(pass: "meta" | "idempotency", table: string, key: string): Promise<void> {
    while (!closed) {
      const { rowCount } = await db.query(
        `DELETE FROM ${table} WHERE (${key}) IN
           (SELECT ${key} FROM ${table} WHERE expires_at < NOW() LIMIT ${batchSize})`,
      );
      report.cleaned(pass, rowCount ?? 0);
      if ((rowCount ?? 0) < batchSize) return;
      await wakeup.wait(batchPauseMs);
    }
  }

  /** Centrifugo's cursor lag: now minus the write time of the row each shard's poller read last. */
  async function sampleLag(lag: CursorLag): Promise<void> {
    const all = lag.cursors();
    for (let shard = 0; shard < all.length; shard++) {
      const cursor = all[shard];
      if (cursor === undefined) continue;
      const { rows } = await db.query<{ lag: number }>(
        `SELECT EXTRACT(EPOCH FROM NOW() - created_at)::float8 AS lag FROM ${n.base} WHERE id = $1 AND shard_id = $2`,
        [cursor, shard],
      );
      lag.report(shard, Math.max(rows[0]?.lag ?? 0, 0));
    }
  }

  async function round(): Promise<void> {
    await deleteExpired("meta", n.meta, "channel");
    await deleteExpired("idempotency", n.idempotency, "channel, idempotency_key");
    await db.transaction(async (tx) => {
      const { rows } = await tx.query<{ locked: boolean }>("SELECT pg_try_advisory_xact_lock($1) AS locked", [
        o.partitionLockId,
      ]);
      if (rows[0]?.locked) {
        report.partitions(
          await maintainPartitions(tx, n.base, o.partition_lookahead_days, o.partition_retention_days),
        );
      }
    });
    if (lag) await sampleLag(lag);
  }

  const running = (async () => {
    while (!closed) {
      await wakeup.wait(o.cleanup_interval);
      if (closed) return;
      try {
        await round();
        db.recovered(o.what);
      } catch (err) {
        db.warn(err as Error, o.what);
      }
    }
  })();

  return async () => {
    closed = true;
    wakeup.wake();
    await running;
  };
}
