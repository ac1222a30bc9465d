import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { freePort } from "./cli-process.js";
import { waitUntil } from "./redis-servers.js";

const run = promisify(execFile);

/** Debian's PostgreSQL binaries (`/usr/lib/postgresql/<major>/bin`), the newest major installed. */
function binDir(): string {
  const root = "/usr/lib/postgresql";
  const majors = existsSync(root)
    ? readdirSync(root).filter((m) => existsSync(join(root, m, "bin", "initdb")))
    : [];
  const newest = majors.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest)
    throw new Error(
      "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run scripts/system-deps.sh",
    );
  return join(root, newest, "bin");
}

/** PostgreSQL refuses to run as root: as root, its tools run as the `postgres` user. */
const asRoot = process.getuid?.() === 0;

/** As root, PostgreSQL's tools run as the `postgres` user; otherwise as the user running the tests. */
async function runAs(): Promise<{ uid?: number; gid?: number }> {
  if (!asRoot) return {};
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([
    run("id", ["-u", "postgres"]),
    run("id", ["-g", "postgres"]),
  ]);
  return { uid: Number(uid), gid: Number(gid) };
}

/** Every server this test process started, killed when it exits however it exits, and the directories to remove then. */
const started = new Set<ChildProcess>();
const dirs = new Set<string>();
process.on("exit", () => {
  for (const child of started) child.kill("SIGKILL");
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A real PostgreSQL cluster on a free port, in a temp dir of its own. */
export interface PostgresProcess {
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:<port>/<db>` for the database named (default `postgres`). */
  url(database?: string): string;
  /** Runs one statement as the superuser in a database (default `postgres`), on a connection of its own. */
  sql<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
    database?: string,
  ): Promise<R[]>;
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
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "rotor-postgres-"));
  dirs.add(dir);
  const data = join(dir, "data");
  mkdirSync(data);
  const user = await runAs();
  if (user.uid !== undefined && user.gid !== undefined) {
    chownSync(dir, user.uid, user.gid);
    chownSync(data, user.uid, user.gid);
  }
  const bin = binDir();
  const initArgs = ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"];
  await run(join(bin, "initdb"), initArgs, { ...user, cwd: dir });
  let child: ChildProcess | undefined;
  const url = (database = "postgres") => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const sql = async <R extends pg.QueryResultRow>(text: string, values?: unknown[], database?: string) => {
    const client = new pg.Client({ connectionString: url(database) });
    client.on("error", () => {});
    await client.connect();
    try {
      return (await client.query<R>(text, values)).rows;
    } finally {
      await client.end();
    }
  };
  const spawnServer = async () => {
    const settings = ["-p", String(port), "-k", dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"];
    settings.push("-c", "synchronous_commit=off", "-c", "full_page_writes=off");
    child = spawn(join(bin, "postgres"), ["-D", data, ...settings], { ...user, cwd: dir, stdio: "ignore" });
    child.unref();
    started.add(child);
    const current = child;
    child.once("exit", () => started.delete(current));
    await waitUntil(`postgres on port ${port}`, () =>
      sql("SELECT 1").then(
        () => true,
        () => false,
      ),
    );
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
      rmSync(dir, { recursive: true, force: true });
      dirs.delete(dir);
    },
  };
}
