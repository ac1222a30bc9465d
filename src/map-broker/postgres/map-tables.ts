/**
 * The names of one variant of the map objects: `<prefix>_map_…` with JSONB
 * payload columns, or `<prefix>_binary_map_…` with BYTEA ones (Centrifugo's
 * names, so its nodes and rotor's can share a database).
 */
export interface MapNames {
  /** `<prefix>_map` or `<prefix>_binary_map`: every name below and every function starts with it. */
  readonly prefix: string;
  /** The stream (outbox) table, partitioned by day. */
  readonly base: string;
  /** The type of the payload columns (data, conn_info, chan_info, prev_data). */
  readonly dataType: "JSONB" | "BYTEA";
  /** The current value of each key. */
  readonly state: string;
  readonly meta: string;
  readonly idempotency: string;
  readonly shardLock: string;
  readonly schemaVersion: string;
  /** The NOTIFY channel writes wake pollers on. */
  readonly notify: string;
}

/** One variant's names for a prefix (already lower case: PostgreSQL folds unquoted names, rotor does it first). */
export function mapNames(tablePrefix: string, binary: boolean): MapNames {
  const prefix = binary ? `${tablePrefix}_binary_map` : `${tablePrefix}_map`;
  return {
    prefix,
    base: `${prefix}_stream`,
    dataType: binary ? "BYTEA" : "JSONB",
    state: `${prefix}_state`,
    meta: `${prefix}_meta`,
    idempotency: `${prefix}_idempotency`,
    shardLock: `${prefix}_shard_lock`,
    schemaVersion: `${prefix}_schema_version`,
    notify: `${prefix}_stream_notify`,
  };
}

/** The tables and indexes of one variant, each created only when missing. */
export function mapTablesSql(n: MapNames): string {
  const d = n.dataType;
  return `
CREATE TABLE IF NOT EXISTS ${n.base} (
  id BIGSERIAL NOT NULL,
  channel TEXT NOT NULL,
  channel_offset BIGINT NOT NULL,
  epoch TEXT NOT NULL DEFAULT '',
  key TEXT NOT NULL,
  data ${d},
  tags JSONB,
  client_id TEXT,
  user_id TEXT,
  conn_info ${d},
  chan_info ${d},
  removed BOOLEAN DEFAULT FALSE,
  prev_data ${d},
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  shard_id SMALLINT NOT NULL DEFAULT 0,
  PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
CREATE INDEX IF NOT EXISTS ${n.base}_channel_epoch_offset_idx ON ${n.base} (channel, epoch, channel_offset);
CREATE INDEX IF NOT EXISTS ${n.base}_channel_id_idx ON ${n.base} (channel, id DESC);
CREATE INDEX IF NOT EXISTS ${n.base}_shard_id_idx ON ${n.base} (shard_id, id);
CREATE INDEX IF NOT EXISTS ${n.base}_created_at_idx ON ${n.base} (created_at);

CREATE TABLE IF NOT EXISTS ${n.state} (
  channel TEXT NOT NULL,
  key TEXT NOT NULL,
  data ${d},
  tags JSONB,
  client_id TEXT,
  user_id TEXT,
  conn_info ${d},
  chan_info ${d},
  key_version BIGINT DEFAULT 0,
  key_version_epoch TEXT,
  key_offset BIGINT NOT NULL,
  expires_at TIMESTAMPTZ,
  created_at TIMESTAMPTZ DEFAULT NOW(),
  updated_at TIMESTAMPTZ DEFAULT NOW(),
  PRIMARY KEY (channel, key)
);
CREATE INDEX IF NOT EXISTS ${n.state}_expires_idx ON ${n.state} (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS ${n.meta} (
  channel TEXT PRIMARY KEY,
  top_offset BIGINT NOT NULL DEFAULT 0,
  epoch TEXT NOT NULL DEFAULT '',
  created_at TIMESTAMPTZ DEFAULT NOW(),
  updated_at TIMESTAMPTZ DEFAULT NOW(),
  expires_at TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS ${n.meta}_expires_idx ON ${n.meta} (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS ${n.idempotency} (
  channel TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  result_offset BIGINT NOT NULL,
  result_epoch TEXT NOT NULL,
  result_id BIGINT NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (channel, idempotency_key)
);
CREATE INDEX IF NOT EXISTS ${n.idempotency}_expires_idx ON ${n.idempotency} (expires_at);

CREATE TABLE IF NOT EXISTS ${n.shardLock} (shard_id SMALLINT PRIMARY KEY);

CREATE TABLE IF NOT EXISTS ${n.schemaVersion} (id INTEGER PRIMARY KEY, schema_version INTEGER NOT NULL);
`;
}
