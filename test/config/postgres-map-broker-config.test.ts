import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig } from "../../src/config/load.js";

const dsn = "postgres://127.0.0.1/app";
const mapBroker = (options: Record<string, unknown>) =>
  loadConfig({ object: { map_broker: { type: "postgres", postgres: options } } });

test("map_broker.postgres takes Centrifugo's defaults, and a zero means the default", () => {
  for (const options of [{ dsn }, { dsn, pool_size: 0, num_shards: 0, ttl_check_interval: "0s" }]) {
    const { config, error } = mapBroker(options);
    assert.equal(error, undefined);
    const p = config!.map_broker.postgres;
    assert.deepEqual(
      [p.pool_size, p.num_shards, p.ttl_check_interval, p.cleanup_interval, p.idempotent_result_ttl],
      [16, 8, 1000, 60_000, 300_000],
    );
    assert.deepEqual([p.outbox.poll_interval, p.outbox.batch_size], [100, 1000]);
    assert.deepEqual([p.partition_lookahead_days, p.partition_retention_days], [2, 7]);
    assert.deepEqual([p.table_prefix, p.binary_data, p.use_notify], ["cf", false, false]);
  }
  assert.equal(mapBroker({ dsn, table_prefix: "Maps_" }).config!.map_broker.postgres.table_prefix, "maps");
});

test("an empty DSN, a bad prefix, an unknown key or type are refused at start", () => {
  assert.match(mapBroker({}).error ?? "", /map_broker\.postgres\.dsn: postgres map broker: DSN is required/);
  assert.match(
    mapBroker({ dsn, table_prefix: "cf; DROP" }).error ?? "",
    /table_prefix.*plain SQL identifier/,
  );
  assert.match(mapBroker({ dsn, skip_pub_sub: true }).error ?? "", /skip_pub_sub/);
  const unknown = loadConfig({ object: { map_broker: { type: "mysql" } } });
  assert.match(unknown.error ?? "", /map_broker\.type/);
  // Memory and Redis map brokers need no DSN.
  assert.equal(loadConfig({ object: { map_broker: { type: "memory" } } }).error, undefined);
});

test("the environment sets it as Centrifugo's does", () => {
  const { config, error } = loadConfig({
    env: {
      CENTRIFUGO_MAP_BROKER_TYPE: "postgres",
      CENTRIFUGO_MAP_BROKER_POSTGRES_DSN: dsn,
      CENTRIFUGO_MAP_BROKER_POSTGRES_BINARY_DATA: "true",
      CENTRIFUGO_MAP_BROKER_POSTGRES_TTL_CHECK_INTERVAL: "250ms",
      CENTRIFUGO_MAP_BROKER_POSTGRES_OUTBOX_BATCH_SIZE: "50",
    },
  });
  assert.equal(error, undefined);
  const p = config!.map_broker.postgres;
  assert.deepEqual(
    [config!.map_broker.type, p.dsn, p.binary_data, p.ttl_check_interval, p.outbox.batch_size],
    ["postgres", dsn, true, 250, 50],
  );
});
