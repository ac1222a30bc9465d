import { join } from "node:path";
import type pg from "pg";
import { initPostgresCluster, postgresBinDir } from "../../test/helpers/postgres-cluster.js";
import { freePort, spawnPinned } from "./processes.js";

/** The Debian package with PostgreSQL's server, `initdb` and `pgbench`. */
export const postgresPackage = "postgresql";

/** The packages missing for a PostgreSQL scenario: none when `initdb` is installed. */
export function missingPostgres(): string[] {
  return postgresBinDir() ? [] : [postgresPackage];
}

/** A PostgreSQL server the harness started, and what scenarios do with it. */
export interface PostgresServer {
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:<port>/<db>`. */
  url(database: string): string;
  sql<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
    database?: string,
  ): Promise<R[]>;
  /** The path of one of PostgreSQL's programs (`pgbench`). */
  program(name: string): string;
  stop(): Promise<void>;
}

/**
 * PostgreSQL in a fresh temp cluster on a free port, started as the tests
 * start it, pinned to `cpus`; stopped with its fast shutdown (every
 * session ends at once) and its directory removed.
 */
export async function startPostgresServer(cpus: string): Promise<PostgresServer> {
  const cluster = await initPostgresCluster(await freePort());
  const proc = spawnPinned(
    cluster.command,
    cluster.args,
    cpus,
    {},
    {
      ...cluster.spawnOptions,
      stopSignal: "SIGINT",
    },
  );
  const stop = async () => {
    await proc.stop();
    cluster.remove();
  };
  try {
    await cluster.waitReady(() => proc.child.exitCode !== null);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}: ${proc.stderr()}`);
  }
  return {
    port: cluster.port,
    url: cluster.url,
    sql: cluster.sql,
    program: (name) => join(cluster.bin, name),
    stop,
  };
}
