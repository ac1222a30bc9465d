import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig } from "../../src/config/load.js";
import { planWorkers } from "../../src/workers/worker-plan.js";

const dsn = "postgres://127.0.0.1/app";
const controller = (options: Record<string, unknown>, more: Record<string, unknown> = {}) =>
  loadConfig({ object: { controller: { enabled: true, type: "postgres", postgres: options }, ...more } });

test("controller.postgres takes Centrifugo's defaults; a zero means the default, a retention below a day is a day", () => {
  for (const options of [
    { dsn },
    { dsn, pool_size: 0, num_shards: 0, batch_size: 0, poll_interval: "0s", partition_retention_days: -3 },
  ]) {
    const { config, error } = controller(options);
    assert.equal(error, undefined);
    const p = config!.controller.postgres;
    assert.deepEqual(
      [p.pool_size, p.num_shards, p.poll_interval, p.batch_size, p.partition_cleanup_interval],
      [8, 1, 50, 1000, 60_000],
    );
    assert.deepEqual([p.partition_retention_days, p.partition_lookahead_days], [1, 2]);
    assert.deepEqual(
      [p.table_prefix, p.use_notify, p.notify_dsn, p.skip_schema_init],
      ["cf", false, "", false],
    );
  }
  assert.equal(controller({ dsn, table_prefix: "Rotor_" }).config!.controller.postgres.table_prefix, "rotor");
});

test("an unknown controller type is refused when enabled and ignored when not, as in Centrifugo", () => {
  const redis = loadConfig({ object: { controller: { enabled: true, type: "redis" } } });
  assert.match(
    redis.error ?? "",
    /controller\.type: unknown controller type: "redis" \(rotor runs postgres\)/,
  );
  assert.match(
    loadConfig({ object: { controller: { enabled: true } } }).error ?? "",
    /unknown controller type/,
  );
  assert.equal(loadConfig({ object: { controller: { type: "redis" } } }).error, undefined);
});

test("keys Centrifugo does not have, and a prefix that is no SQL identifier, are refused", () => {
  assert.match(controller({ dsn, replica: { dsn: [dsn] } }).error ?? "", /replica/);
  assert.match(controller({ dsn, table_prefix: "cf-1" }).error ?? "", /table_prefix.*plain SQL identifier/);
  assert.match(controller({ dsn, num_shards: 70_000 }).error ?? "", /num_shards/);
});

test("the environment sets it as Centrifugo's does", () => {
  const { config, error } = loadConfig({
    env: {
      CENTRIFUGO_CONTROLLER_ENABLED: "true",
      CENTRIFUGO_CONTROLLER_TYPE: "postgres",
      CENTRIFUGO_CONTROLLER_POSTGRES_DSN: dsn,
      CENTRIFUGO_CONTROLLER_POSTGRES_NUM_SHARDS: "4",
      CENTRIFUGO_CONTROLLER_POSTGRES_USE_NOTIFY: "true",
      CENTRIFUGO_CONTROLLER_POSTGRES_POLL_INTERVAL: "20ms",
    },
  });
  assert.equal(error, undefined);
  const p = config!.controller.postgres;
  assert.deepEqual([p.dsn, p.num_shards, p.use_notify, p.poll_interval], [dsn, 4, true, 20]);
});

test("workers on the PostgreSQL broker run with the PostgreSQL controller and are refused without it", () => {
  const broker = { enabled: true, type: "postgres", postgres: { dsn } };
  const without = loadConfig({ object: { broker, server: { workers: 2 } } }).config!;
  const refused = planWorkers(without, 2);
  assert.ok("error" in refused);
  assert.match(
    refused.error,
    /broker\.type "postgres" carries no node-to-node commands.*controller\.enabled: true, controller\.type: postgres/,
  );
  const plan = planWorkers(controller({ dsn }, { broker, server: { workers: 2 } }).config!, 2);
  assert.ok("count" in plan);
  assert.equal(plan.count, 2);
  assert.match(plan.warnings[0] ?? "", /presence is kept in memory/);
});
