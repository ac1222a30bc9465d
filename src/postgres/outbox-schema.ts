import { maintainPartitions } from "./partitions.js";
import type { PostgresClient, Queryable } from "./postgres-client.js";
import { schemaVersionOf } from "./schema-version.js";

/** The schema version rotor writes and reads (Centrifugo's, for the stream and the map objects alike). */
export const schemaVersion = 1;

/** One variant of an outbox schema (JSONB or BYTEA payloads): the names EnsureSchema needs and its SQL. */
export interface SchemaVariant {
  /** The partitioned outbox table. */
  readonly base: string;
  readonly shardLock: string;
  readonly schemaVersion: string;
  /** Tables and indexes, each created only when missing. */
  readonly tablesSql: string;
  /** `CREATE OR REPLACE` of the variant's functions. */
  readonly functionsSql: string;
}

export interface SchemaInstall {
  /** What the schema is for, in errors: `stream`, `map`. */
  readonly what: string;
  /** The config section, in errors: `broker.postgres`. */
  readonly where: string;
  /** The advisory lock nodes take in turn to change this schema (any fixed number; it names no row). */
  readonly lockId: number;
  /** The JSONB (false) or BYTEA (true) variant. */
  readonly variant: (binary: boolean) => SchemaVariant;
}

/** The options of a PostgreSQL broker section the schema depends on. */
export interface SchemaOptions {
  readonly binary_data: boolean;
  readonly skip_schema_init: boolean;
  readonly num_shards: number;
  readonly partition_lookahead_days: number;
  readonly partition_retention_days: number;
}

/** Exactly the rows 0 … shards-1: a missing row would let writers of that shard skip the lock. */
async function reconcileShards(db: Queryable, n: SchemaVariant, shards: number): Promise<void> {
  await db.query(
    `INSERT INTO ${n.shardLock} (shard_id) SELECT generate_series(0, $1::int - 1) ON CONFLICT DO NOTHING`,
    [shards],
  );
  await db.query(`DELETE FROM ${n.shardLock} WHERE shard_id >= $1`, [shards]);
}

/**
 * Creates or completes both variants of an outbox schema (tables, then
 * functions), fills the shard locks to `num_shards` and makes the lookahead
 * partitions, in one transaction under an advisory lock, so nodes starting
 * together take turns and a failed start leaves nothing half made; nothing
 * with `skip_schema_init`. Refuses a database whose schema (of the variant
 * in use) is newer than this version.
 */
export async function installSchema(db: PostgresClient, s: SchemaInstall, o: SchemaOptions): Promise<void> {
  if (o.skip_schema_init) return;
  const variants = [s.variant(false), s.variant(true)];
  await db
    .transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1)", [s.lockId]);
      const found = await schemaVersionOf(tx, variants[o.binary_data ? 1 : 0]!.schemaVersion);
      if (found !== undefined && found > schemaVersion) {
        throw new Error(
          `the database's ${s.what} schema_version is ${found}, rotor supports up to ${schemaVersion}`,
        );
      }
      for (const n of variants) await tx.query(n.tablesSql);
      for (const n of variants) await tx.query(n.functionsSql);
      for (const n of variants) {
        await reconcileShards(tx, n, o.num_shards);
        await maintainPartitions(tx, n.base, o.partition_lookahead_days, o.partition_retention_days);
        await tx.query(
          `INSERT INTO ${n.schemaVersion} (id, schema_version) VALUES (1, $1)
         ON CONFLICT (id) DO UPDATE SET schema_version = EXCLUDED.schema_version`,
          [schemaVersion],
        );
      }
    })
    .catch((err: Error) => {
      throw new Error(`${s.where}: cannot set up the ${s.what} schema at ${db.label}: ${err.message}`);
    });
}
