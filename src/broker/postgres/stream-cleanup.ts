import type { BrokerPostgresConfig } from "../../config/engine-schema.js";
import { Wakeup } from "../../consumers/wakeup.js";
import { maintainPartitions } from "../../postgres/partitions.js";
import type { PostgresClient } from "../../postgres/postgres-client.js";
import type { PostgresBrokerReport } from "./postgres-broker.js";
import type { StreamNames } from "./stream-tables.js";

/** Rows one delete removes; a full batch is followed by another after a short pause. */
const batchSize = 1000;
const batchPauseMs = 100;
/** The lock one node holds while it keeps partitions, so nodes do not create the same table at once. */
const partitionLockId = 5_067_066_998;
const cleanupFailed = "stream cleanup failed";

/**
 * Every `cleanup_interval`: deletes expired channel meta rows (the next
 * publish starts a new epoch) and expired idempotency results, in batches,
 * then keeps the daily partitions (lookahead created, those past retention
 * dropped), reporting the rows deleted, the partitions there are and each
 * shard's cursor lag. A failure is logged and the next round tries again.
 * Returns how to stop it.
 */
export function startStreamCleanup(
  db: PostgresClient,
  n: StreamNames,
  o: BrokerPostgresConfig,
  report: PostgresBrokerReport,
  cursors: () => readonly (string | undefined)[],
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
  async function sampleLag(): Promise<void> {
    const all = cursors();
    for (let shard = 0; shard < all.length; shard++) {
      const cursor = all[shard];
      if (cursor === undefined) continue;
      const { rows } = await db.query<{ lag: number }>(
        `SELECT EXTRACT(EPOCH FROM NOW() - created_at)::float8 AS lag FROM ${n.base} WHERE id = $1 AND shard_id = $2`,
        [cursor, shard],
      );
      report.cursorLag(shard, Math.max(rows[0]?.lag ?? 0, 0));
    }
  }

  async function round(): Promise<void> {
    await deleteExpired("meta", n.meta, "channel");
    await deleteExpired("idempotency", n.idempotency, "channel, idempotency_key");
    await db.transaction(async (tx) => {
      const { rows } = await tx.query<{ locked: boolean }>("SELECT pg_try_advisory_xact_lock($1) AS locked", [
        partitionLockId,
      ]);
      if (rows[0]?.locked) {
        report.partitions(
          await maintainPartitions(tx, n.base, o.partition_lookahead_days, o.partition_retention_days),
        );
      }
    });
    await sampleLag();
  }

  const running = (async () => {
    while (!closed) {
      await wakeup.wait(o.cleanup_interval);
      if (closed) return;
      try {
        await round();
        db.recovered(cleanupFailed);
      } catch (err) {
        db.warn(err as Error, cleanupFailed);
      }
    }
  })();

  return async () => {
    closed = true;
    wakeup.wake();
    await running;
  };
}
