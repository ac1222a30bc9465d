import type { BrokerPostgresConfig } from "../../config/engine-schema.js";
import { maintainPartitions } from "../../postgres/partitions.js";
import type { PostgresClient, Queryable } from "../../postgres/postgres-client.js";
import { schemaVersionOf } from "../../postgres/schema-version.js";
import { streamFunctionsSql } from "./stream-functions.js";
import { type StreamNames, streamNames, streamTablesSql } from "./stream-tables.js";

/** The stream schema version rotor writes and reads (Centrifugo's). */
export const schemaVersion = 1;

/** The advisory lock nodes take in turn to change the schema (any fixed number; it names no row). */
const schemaLockId = 5_067_066_999;

/** Exactly the rows 0 … shards-1: a missing row would let writers of that shard skip the lock. */
async function reconcileShards(db: Queryable, n: StreamNames, shards: number): Promise<void> {
  await db.query(
    `INSERT INTO ${n.shardLock} (shard_id) SELECT generate_series(0, $1::int - 1) ON CONFLICT DO NOTHING`,
    [shards],
  );
  await db.query(`DELETE FROM ${n.shardLock} WHERE shard_id >= $1`, [shards]);
}

/**
 * Creates or completes both variants of the stream schema (tables, then
 * functions), fills the shard locks to `num_shards` and makes the lookahead
 * partitions, in one transaction under an advisory lock, so nodes starting
 * together take turns and a failed start leaves nothing half made. Refuses
 * a database whose schema is newer than this version.
 */
export async function ensureSchema(db: PostgresClient, o: BrokerPostgresConfig): Promise<void> {
  const variants = [streamNames(o.table_prefix, false), streamNames(o.table_prefix, true)];
  await db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [schemaLockId]);
    const found = await schemaVersionOf(tx, streamNames(o.table_prefix, o.binary_data).schemaVersion);
    if (found !== undefined && found > schemaVersion) {
      throw new Error(
        `broker.postgres: the database's stream schema_version is ${found}, rotor supports up to ${schemaVersion}`,
      );
    }
    for (const n of variants) await tx.query(streamTablesSql(n));
    for (const n of variants) await tx.query(streamFunctionsSql(n));
    for (const n of variants) {
      await reconcileShards(tx, n, o.num_shards);
      await maintainPartitions(tx, n.base, o.partition_lookahead_days, o.partition_retention_days);
      await tx.query(
        `INSERT INTO ${n.schemaVersion} (id, schema_version) VALUES (1, $1)
         ON CONFLICT (id) DO UPDATE SET schema_version = EXCLUDED.schema_version`,
        [schemaVersion],
      );
    }
  });
}
