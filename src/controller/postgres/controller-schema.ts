import type { ControllerPostgresConfig } from "../../config/engine-schema.js";
import { maintainPartitions } from "../../postgres/partitions.js";
import type { PostgresClient } from "../../postgres/postgres-client.js";
import { schemaVersionOf } from "../../postgres/schema-version.js";

/** The controller schema version rotor writes and reads (Centrifugo's). */
export const controllerSchemaVersion = 1;

/** The advisory lock nodes take in turn to change the controller schema (any fixed number; it names no row). */
const schemaLockId = 5_067_067_001;

/** The controller's objects under one prefix, with Centrifugo's names so its nodes and rotor's can share them. */
export interface ControllerNames {
  /** The message (outbox) table; every other name starts with it or with `<prefix>_controller`. */
  readonly messages: string;
  readonly shardLock: string;
  readonly schemaVersion: string;
  readonly publish: string;
  /** The NOTIFY channel a publish wakes pollers on. */
  readonly notify: string;
}

export function controllerNames(prefix: string): ControllerNames {
  const base = `${prefix}_controller`;
  return {
    messages: `${base}_messages`,
    shardLock: `${base}_shard_lock`,
    schemaVersion: `${base}_schema_version`,
    publish: `${base}_publish`,
    notify: `${base}_notify`,
  };
}

/**
 * The tables (each created only when missing) and the publish function.
 * `node_id` is the node a message is for, `''` for every node; `data` is the
 * controlpb bytes. A publish takes its shard's lock row before its row gets
 * an id and keeps it until commit, so ids of one shard become visible in
 * increasing order and pollers read `id > cursor` without skipping: messages
 * for one node hash to one shard, messages for every node spread over the
 * shards by transaction id. The NOTIFY payload names the shard (Centrifugo's
 * is empty, which wakes every shard's poller).
 */
function controllerSql(n: ControllerNames): string {
  return `
CREATE TABLE IF NOT EXISTS ${n.messages} (
  id BIGSERIAL NOT NULL,
  shard_id SMALLINT NOT NULL DEFAULT 0,
  node_id TEXT NOT NULL DEFAULT '',
  data BYTEA NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
CREATE INDEX IF NOT EXISTS ${n.messages}_shard_id_idx ON ${n.messages} (shard_id, id);

CREATE TABLE IF NOT EXISTS ${n.shardLock} (shard_id SMALLINT PRIMARY KEY);

CREATE TABLE IF NOT EXISTS ${n.schemaVersion} (id INTEGER PRIMARY KEY, schema_version INTEGER NOT NULL);

CREATE OR REPLACE FUNCTION ${n.publish}(p_data BYTEA, p_node_id TEXT DEFAULT '', p_num_shards INTEGER DEFAULT NULL)
RETURNS BIGINT LANGUAGE plpgsql AS $fn$
DECLARE
  v_shards INTEGER := p_num_shards;
  v_node TEXT := COALESCE(p_node_id, '');
  v_shard SMALLINT := 0;
  v_id BIGINT;
BEGIN
  IF v_shards IS NULL OR v_shards <= 0 THEN
    SELECT count(*) INTO v_shards FROM ${n.shardLock};
  END IF;
  IF v_shards > 1 AND v_node <> '' THEN
    v_shard := abs(hashtext(v_node)::bigint) % v_shards;
  ELSIF v_shards > 1 THEN
    v_shard := txid_current() % v_shards;
  END IF;
  PERFORM 1 FROM ${n.shardLock} WHERE shard_id = v_shard FOR UPDATE;
  INSERT INTO ${n.messages} (shard_id, node_id, data) VALUES (v_shard, v_node, p_data) RETURNING id INTO v_id;
  PERFORM pg_notify('${n.notify}', v_shard::text);
  RETURN v_id;
END
$fn$;
`;
}

/**
 * Creates or completes the controller schema, keeps exactly the shard lock
 * rows 0 … num_shards-1 and makes the lookahead partitions, in one
 * transaction under an advisory lock, so nodes starting together take turns.
 * Refuses a database whose controller schema is newer than this version.
 */
export async function ensureControllerSchema(db: PostgresClient, o: ControllerPostgresConfig): Promise<void> {
  const n = controllerNames(o.table_prefix);
  await db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [schemaLockId]);
    const found = await schemaVersionOf(tx, n.schemaVersion);
    if (found !== undefined && found > controllerSchemaVersion) {
      throw new Error(
        `the database's controller schema_version is ${found}, rotor supports up to ${controllerSchemaVersion}`,
      );
    }
    await tx.query(controllerSql(n));
    await tx.query(
      `INSERT INTO ${n.shardLock} (shard_id) SELECT generate_series(0, $1::int - 1) ON CONFLICT DO NOTHING`,
      [o.num_shards],
    );
    await tx.query(`DELETE FROM ${n.shardLock} WHERE shard_id >= $1`, [o.num_shards]);
    await maintainPartitions(tx, n.messages, o.partition_lookahead_days, o.partition_retention_days);
    await tx.query(
      `INSERT INTO ${n.schemaVersion} (id, schema_version) VALUES (1, $1)
       ON CONFLICT (id) DO UPDATE SET schema_version = EXCLUDED.schema_version`,
      [controllerSchemaVersion],
    );
  });
}
