import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { rmSync } from "node:fs";
import { freePort } from "./cli-process.js";
import { initPostgresCluster, type PostgresCluster } from "./postgres-cluster.js";

/** Every server this test process started, killed when it exits however it exits, and the directories to remove then. */
const started = new Set<ChildProcess>();
const dirs = new Set<string>();
process.on("exit", () => {
  for (const child of started) child.kill("SIGKILL");
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A real PostgreSQL cluster on a free port, in a temp dir of its own. */
export interface PostgresProcess extends Pick<PostgresCluster, "port" | "url" | "sql"> {
  /** A fresh, empty database, named after `prefix`. */
  createDatabase(prefix?: string): Promise<string>;
  /** SIGQUIT, PostgreSQL's immediate shutdown: every connection drops at once, as in a crash (recovery runs at the next start). */
  kill(): Promise<void>;
  /** Starts it again on the same port and data. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

let databases = 0;

/**
 * Starts PostgreSQL the way the Redis helper starts redis-server: `initdb`
 * into a temp dir (as the `postgres` user when the tests run as root), then
 * the server on a free port with its socket in that dir, without fsync (the
 * data is thrown away). Resolves once it accepts queries.
 */
export async function startPostgres(): Promise<PostgresProcess> {
  const cluster = await initPostgresCluster(await freePort());
  const { dir, port, url, sql } = cluster;
  dirs.add(dir);
  let child: ChildProcess | undefined;
  const spawnServer = async () => {
    child = spawn(cluster.command, cluster.args, { ...cluster.spawnOptions, stdio: "ignore" });
    child.unref();
    started.add(child);
    const current = child;
    current.once("exit", () => started.delete(current));
    await cluster.waitReady(() => current.exitCode !== null || current.signalCode !== null);
  };
  const kill = async () => {
    const current = child;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = once(current, "exit");
    current.ref();
    current.kill("SIGQUIT");
    await exited;
  };
  await spawnServer();
  return {
    port,
    url,
    sql,
    async createDatabase(prefix = "rotor") {
      databases += 1;
      const name = `${prefix}_${process.pid}_${databases}`;
      await sql(`CREATE DATABASE ${name}`);
      return name;
    },
    kill,
    restart: spawnServer,
    async stop() {
      await kill();
      cluster.remove();
      dirs.delete(dir);
    },
  };
}
