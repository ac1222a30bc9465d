import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig } from "../../src/config/load.js";

const dsn = "postgres://127.0.0.1/app";
const postgres = (options: Record<string, unknown>) =>
  loadConfig({ object: { broker: { enabled: true, type: "postgres", postgres: options } } });

test("broker.postgres takes Centrifugo's defaults, and a zero means the default as in Centrifugo", () => {
  for (const options of [{ dsn }, { dsn, pool_size: 0, num_shards: 0, partition_retention_days: 0 }]) {
    const { config, error } = postgres(options);
    assert.equal(error, undefined);
    const p = config!.broker.postgres;
    assert.deepEqual(
      [p.pool_size, p.num_shards, p.cleanup_interval, p.idempotent_result_ttl, p.stream_retention],
      [16, 8, 60_000, 300_000, 86_400_000],
    );
    assert.deepEqual([p.outbox.poll_interval, p.outbox.batch_size], [100, 1000]);
    assert.deepEqual([p.partition_lookahead_days, p.partition_retention_days], [2, 7]);
    assert.deepEqual(
      [p.table_prefix, p.binary_data, p.use_notify, p.skip_schema_init],
      ["cf", false, false, false],
    );
  }
});

test("the table prefix loses trailing underscores and is folded to lower case, as PostgreSQL reads it", () => {
  assert.equal(postgres({ dsn, table_prefix: "My_App__" }).config!.broker.postgres.table_prefix, "my_app");
  assert.equal(postgres({ dsn, table_prefix: "_" }).config!.broker.postgres.table_prefix, "cf");
});

test("an empty DSN, a prefix that is no SQL identifier and an unknown key are refused at start", () => {
  assert.match(postgres({}).error ?? "", /broker\.postgres\.dsn: postgres stream broker: DSN is required/);
  assert.match(postgres({ dsn, table_prefix: "cf; DROP" }).error ?? "", /table_prefix.*plain SQL identifier/);
  assert.match(postgres({ dsn, replica: {} }).error ?? "", /replica/);
  assert.match(postgres({ dsn, num_shards: 40_000 }).error ?? "", /num_shards/);
});

test("the environment sets it as Centrifugo's does", () => {
  const { config, error } = loadConfig({
    env: {
      CENTRIFUGO_BROKER_ENABLED: "true",
      CENTRIFUGO_BROKER_TYPE: "postgres",
      CENTRIFUGO_BROKER_POSTGRES_DSN: dsn,
      CENTRIFUGO_BROKER_POSTGRES_NUM_SHARDS: "4",
      CENTRIFUGO_BROKER_POSTGRES_OUTBOX_POLL_INTERVAL: "20ms",
      CENTRIFUGO_BROKER_POSTGRES_USE_NOTIFY: "true",
    },
  });
  assert.equal(error, undefined);
  const p = config!.broker.postgres;
  assert.deepEqual([p.dsn, p.num_shards, p.outbox.poll_interval, p.use_notify], [dsn, 4, 20, true]);
});
