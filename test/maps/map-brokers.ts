import { type PostgresProcess, startPostgres } from "../helpers/postgres-servers.js";
import { type RedisProcess, startRedis } from "../helpers/redis-servers.js";

/** The map brokers every client-side map suite runs on. */
export const mapBrokerKinds = ["memory", "redis", "postgres"] as const;
export type MapBrokerKind = (typeof mapBrokerKinds)[number];

let redis: Promise<RedisProcess> | undefined;
let postgres: Promise<PostgresProcess> | undefined;
let servers = 0;

/**
 * A `map_broker.postgres` section on a fresh database of this test file's
 * PostgreSQL (started on first use), with intervals short enough for tests.
 * Nodes given the same section share the database.
 */
export async function postgresMapBroker(
  options: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  postgres ??= startPostgres();
  const pg = await postgres;
  const database = await pg.createDatabase("maps");
  // The helper's server acknowledges commits before writing them; this database's are written first, so a killed server keeps them.
  await pg.sql(`ALTER DATABASE ${database} SET synchronous_commit = on`);
  const dsn = pg.url(database);
  return {
    type: "postgres",
    postgres: {
      dsn,
      num_shards: 2,
      pool_size: 4,
      use_notify: true,
      ttl_check_interval: "200ms",
      cleanup_interval: "1s",
      outbox: { poll_interval: "50ms" },
      ...options,
    },
  };
}

/** This test file's PostgreSQL, once a suite asked for a PostgreSQL map broker. */
export const mapPostgres = (): Promise<PostgresProcess> | undefined => postgres;

/**
 * The `map_broker` section of a test server: memory, or a redis-server or
 * PostgreSQL of this test file's own (started on first use), each server
 * under its own prefix or database.
 */
export async function mapBrokerConfig(kind: MapBrokerKind): Promise<Record<string, unknown>> {
  if (kind === "memory") return {};
  // The BYTEA tables keep values byte for byte, as these suites compare them.
  if (kind === "postgres") return postgresMapBroker({ binary_data: true });
  redis ??= startRedis();
  const { url } = await redis;
  servers += 1;
  return { type: "redis", redis: { address: url, prefix: `maps${process.pid}s${servers}` } };
}

/** Stops the servers a suite started. */
export async function stopMapBrokers(): Promise<void> {
  await Promise.all([redis?.then((r) => r.stop()), postgres?.then((p) => p.stop())]);
}
