import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import pino from "pino";
import { loadConfig } from "../../src/config/load.js";
import type { MapBrokerPostgresConfig } from "../../src/config/map-schema.js";
import { createPostgresMapBroker } from "../../src/map-broker/postgres/postgres-map-broker.js";
import type { MapBroker, MapBrokerEventHandler } from "../../src/map-broker/types.js";
import { type PostgresProcess, startPostgres } from "../helpers/postgres-servers.js";
import { waitUntil } from "../helpers/redis-servers.js";
import { mapBrokerContract, recorder, testChannels, testCleanupIntervalMs } from "./contract.js";

const log = pino({ level: "silent" });
let postgres: Promise<PostgresProcess> | undefined;
after(async () => (await postgres)?.stop());

/** The `map_broker.postgres` section for a fresh database of the test server, fast intervals. */
async function pgConfig(options: Record<string, unknown> = {}): Promise<MapBrokerPostgresConfig> {
  postgres ??= startPostgres();
  const pg = await postgres;
  const dsn = pg.url(await pg.createDatabase("maps"));
  const loaded = loadConfig({
    object: {
      map_broker: {
        type: "postgres",
        postgres: {
          dsn,
          num_shards: 2,
          pool_size: 4,
          use_notify: true,
          ttl_check_interval: `${testCleanupIntervalMs}ms`,
          outbox: { poll_interval: "50ms" },
          ...options,
        },
      },
    },
  });
  if (!loaded.config) throw new Error(`bad test config: ${JSON.stringify(loaded)}`);
  return loaded.config.map_broker.postgres;
}

async function startBroker(
  config: MapBrokerPostgresConfig,
  handler: MapBrokerEventHandler,
): Promise<MapBroker> {
  const broker = createPostgresMapBroker(config, { channels: testChannels }, log);
  await broker.start(handler);
  return broker;
}

// The contract's payloads are not all JSON: it runs on the BYTEA tables.
mapBrokerContract("postgres", async (handler) => startBroker(await pgConfig({ binary_data: true }), handler));

const json = (s: unknown) => new TextEncoder().encode(JSON.stringify(s));

describe("postgres map broker", () => {
  test("JSONB tables: JSON values round-trip (as PostgreSQL writes them), other bytes are refused by name", async () => {
    const rec = recorder();
    const config = await pgConfig();
    const broker = await startBroker(config, rec.handler);
    try {
      await broker.subscribe(["per:j"]);
      await broker.publish("per:j", "k", { data: json({ x: 1 }), tags: { t: "1" } });
      const [d] = await rec.wait("per:j", 1);
      assert.deepEqual(JSON.parse(Buffer.from(d!.pub.data).toString()), { x: 1 });
      const state = await broker.readState("per:j", { limit: -1 });
      assert.equal(Buffer.from(state.publications[0]!.data).toString(), '{"x": 1}');
      await assert.rejects(
        broker.publish("per:j", "k", { data: new Uint8Array([1, 2, 3]) }),
        /JSONB tables keep JSON payloads only \(map_broker\.postgres\.binary_data: true keeps any bytes\)/,
      );
    } finally {
      await broker.close();
    }
  });

  test("Centrifugo's objects: names, an application's own transaction, the strict functions' errors", async () => {
    const config = await pgConfig({ table_prefix: "App_" });
    const rec = recorder();
    const broker = await startBroker(config, rec.handler);
    const pg = await postgres!;
    const db = new URL(config.dsn).pathname.slice(1);
    try {
      const tables = await pg.sql<{ name: string }>(
        "SELECT tablename AS name FROM pg_tables WHERE tablename LIKE 'app_%map%' AND tablename NOT LIKE '%20%' ORDER BY 1",
        [],
        db,
      );
      assert.deepEqual(
        tables.map((t) => t.name),
        [
          "app_binary_map_idempotency",
          "app_binary_map_meta",
          "app_binary_map_schema_version",
          "app_binary_map_shard_lock",
          "app_binary_map_state",
          "app_binary_map_stream",
          "app_map_idempotency",
          "app_map_meta",
          "app_map_schema_version",
          "app_map_shard_lock",
          "app_map_state",
          "app_map_stream",
        ],
      );
      await broker.subscribe(["per:app"]);
      // Rolled back: never delivered. Committed: delivered with its offset.
      await pg
        .sql(
          `DO $$ BEGIN PERFORM app_map_publish('per:app', 'gone', '{"v":0}'); RAISE EXCEPTION 'rollback'; END $$`,
          [],
          db,
        )
        .catch(() => {});
      const [row] = await pg.sql<{ channel_offset: string }>(
        `SELECT * FROM app_map_publish_strict('per:app', 'k', '{"v":1}', p_key_mode => 'if_new')`,
        [],
        db,
      );
      assert.equal(row!.channel_offset, "1");
      const [d] = await rec.wait("per:app", 1);
      assert.deepEqual([d!.pub.key, d!.pub.offset], ["k", 1]);
      await assert.rejects(
        pg.sql(
          `SELECT * FROM app_map_publish_strict('per:app', 'k', '{"v":2}', p_key_mode => 'if_new')`,
          [],
          db,
        ),
        (err: { code?: string }) => err.code === "23505",
      );
      await assert.rejects(
        pg.sql("SELECT * FROM app_map_remove_strict('per:app', 'none')", [], db),
        (err: { code?: string }) => err.code === "P0002",
      );
      const [removed] = await pg.sql<{ channel_offset: string }>(
        "SELECT * FROM app_map_remove_strict('per:app', 'k')",
        [],
        db,
      );
      assert.equal(removed!.channel_offset, "2");
      const got = await rec.wait("per:app", 2);
      assert.deepEqual([got[1]!.pub.key, got[1]!.pub.removed], ["k", true]);
      const [version] = await pg.sql<{ schema_version: number }>(
        "SELECT schema_version FROM app_map_schema_version",
        [],
        db,
      );
      assert.equal(version!.schema_version, 1);
    } finally {
      await broker.close();
    }
  });

  test("two brokers on one database: each key expires once, and a write on one reaches the other", async () => {
    const config = { ...(await pgConfig({ binary_data: true })), num_shards: 2 };
    const a = recorder();
    const b = recorder();
    const [one, two] = [await startBroker(config, a.handler), await startBroker(config, b.handler)];
    try {
      await one.subscribe(["short:x"]);
      await two.subscribe(["short:x"]);
      const bytes = new TextEncoder().encode("v");
      for (let i = 0; i < 20; i++) await two.publish("short:x", `k${i}`, { data: bytes });
      await waitUntil("20 writes and 20 removals on both", async () => a.of("short:x").length >= 40, 8000);
      await b.wait("short:x", 40);
      const removals = a.of("short:x").filter((d) => d.pub.removed);
      assert.equal(removals.length, 20);
      assert.equal(new Set(removals.map((d) => d.pub.key)).size, 20);
      assert.deepEqual(
        a.of("short:x").map((d) => d.pub.offset),
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(a.of("short:x").length, 40);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
});
