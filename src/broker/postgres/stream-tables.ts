/**
 * The names of one variant of the stream objects: `<prefix>_stream…` with
 * JSONB payload columns, or `<prefix>_binary_stream…` with BYTEA ones
 * (Centrifugo's names, so its nodes and rotor's can share a database).
 */
export interface StreamNames {
  /** The stream (outbox) table; every other name starts with it. */
  readonly base: string;
  /** The type of the payload columns (data, conn_info, chan_info, prev_data). */
  readonly dataType: "JSONB" | "BYTEA";
  readonly meta: string;
  readonly idempotency: string;
  readonly shardLock: string;
  readonly schemaVersion: string;
  /** The NOTIFY channel publishes wake pollers on. */
  readonly notify: string;
}

/** Both variants of a prefix (already lower case: PostgreSQL folds unquoted names, rotor does it first). */
export function streamNames(prefix: string, binary: boolean): StreamNames {
  const base = binary ? `${prefix}_binary_stream` : `${prefix}_stream`;
  return {
    base,
    dataType: binary ? "BYTEA" : "JSONB",
    meta: `${base}_meta`,
    idempotency: `${base}_idempotency`,
    shardLock: `${base}_shard_lock`,
    schemaVersion: `${base}_schema_version`,
    notify: `${base}_notify`,
  };
}

const tableTuning =
  "WITH (autovacuum_vacuum_scale_factor = 0.05, autovacuum_vacuum_threshold = 100, autovacuum_analyze_scale_factor = 0.05)";

/** The tables and indexes of one variant, each created only when missing. */
export function streamTablesSql(n: StreamNames): string {
  const d = n.dataType;
  return `
CREATE TABLE IF NOT EXISTS ${n.base} (
  id BIGSERIAL NOT NULL,
  channel TEXT NOT NULL,
  channel_offset BIGINT NOT NULL,
  epoch TEXT NOT NULL DEFAULT '',
  kind SMALLINT NOT NULL DEFAULT 0,
  data ${d},
  tags JSONB,
  client_id TEXT,
  user_id TEXT,
  conn_info ${d},
  chan_info ${d},
  prev_data ${d},
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  shard_id SMALLINT NOT NULL DEFAULT 0,
  PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
CREATE INDEX IF NOT EXISTS ${n.base}_channel_epoch_offset_idx ON ${n.base} (channel, epoch, channel_offset) WHERE kind = 0;
CREATE INDEX IF NOT EXISTS ${n.base}_shard_id_idx ON ${n.base} (shard_id, id);
CREATE INDEX IF NOT EXISTS ${n.base}_created_at_idx ON ${n.base} (created_at);

CREATE TABLE IF NOT EXISTS ${n.meta} (
  channel TEXT PRIMARY KEY,
  top_offset BIGINT NOT NULL DEFAULT 0,
  epoch TEXT NOT NULL DEFAULT '',
  history_ttl INTERVAL NOT NULL DEFAULT '1 minute',
  history_size INTEGER NOT NULL DEFAULT 100,
  top_version BIGINT NOT NULL DEFAULT 0,
  top_version_epoch TEXT NOT NULL DEFAULT '',
  expires_at TIMESTAMPTZ NOT NULL DEFAULT NOW() + INTERVAL '7 days',
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
) ${tableTuning};
CREATE INDEX IF NOT EXISTS ${n.meta}_expires_idx ON ${n.meta} (expires_at);

CREATE TABLE IF NOT EXISTS ${n.idempotency} (
  channel TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  result_offset BIGINT NOT NULL,
  result_epoch TEXT NOT NULL,
  result_id BIGINT NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (channel, idempotency_key)
) ${tableTuning};
CREATE INDEX IF NOT EXISTS ${n.idempotency}_expires_idx ON ${n.idempotency} (expires_at);

CREATE TABLE IF NOT EXISTS ${n.shardLock} (shard_id SMALLINT PRIMARY KEY);

CREATE TABLE IF NOT EXISTS ${n.schemaVersion} (id INTEGER PRIMARY KEY, schema_version INTEGER NOT NULL);
`;
}
