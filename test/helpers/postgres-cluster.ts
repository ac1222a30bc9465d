import { execFile } from "node:child_process";
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import pg from "pg";

const run = promisify(execFile);

/** Debian's PostgreSQL binaries (`/usr/lib/postgresql/<major>/bin`), the newest major installed; none when absent. */
export function postgresBinDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  const majors = existsSync(root)
    ? readdirSync(root).filter((m) => existsSync(join(root, m, "bin", "initdb")))
    : [];
  const newest = majors.sort((a, b) => Number(b) - Number(a))[0];
  return newest && join(root, newest, "bin");
}

/** PostgreSQL refuses to run as root: as root, its tools run as the `postgres` user. */
async function runAs(): Promise<{ uid?: number; gid?: number }> {
  if (process.getuid?.() !== 0) return {};
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([
    run("id", ["-u", "postgres"]),
    run("id", ["-g", "postgres"]),
  ]);
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * A PostgreSQL cluster made by `initdb` and not yet running: how to start
 * its server (the caller spawns it, its own way) and how to reach it.
 * The tests and the bench both start PostgreSQL from this.
 */
export interface PostgresCluster {
  readonly port: number;
  /** The temp dir holding the data directory and the server's socket. */
  readonly dir: string;
  /** The `postgres` executable and its arguments. */
  readonly command: string;
  readonly args: readonly string[];
  /** The user the server runs as and its working directory, for `spawn`. */
  readonly spawnOptions: { readonly uid?: number; readonly gid?: number; readonly cwd: string };
  /** The directory of PostgreSQL's other programs (`pgbench`, `psql`…). */
  readonly bin: string;
  /** `postgres://postgres@127.0.0.1:<port>/<db>` for the database named (default `postgres`). */
  url(database?: string): string;
  /** Runs one statement as the superuser in a database (default `postgres`), on a connection of its own. */
  sql<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
    database?: string,
  ): Promise<R[]>;
  /** Resolves once the server accepts queries; fails after `timeoutMs` or when `exited()` says it died. */
  waitReady(exited: () => boolean, timeoutMs?: number): Promise<void>;
  /** Removes the temp dir (the server must be stopped). */
  remove(): void;
}

/**
 * `initdb` into a fresh temp dir (as the `postgres` user when run as root),
 * for a server on `port` with its socket in that dir, listening on
 * 127.0.0.1 only, without fsync (the data is thrown away).
 */
export async function initPostgresCluster(port: number): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  if (!bin)
    throw new Error(
      "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run scripts/system-deps.sh",
    );
  const dir = mkdtempSync(join(tmpdir(), "rotor-postgres-"));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    const data = join(dir, "data");
    mkdirSync(data);
    const user = await runAs();
    if (user.uid !== undefined && user.gid !== undefined) {
      chownSync(dir, user.uid, user.gid);
      chownSync(data, user.uid, user.gid);
    }
    const initArgs = ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"];
    await run(join(bin, "initdb"), initArgs, { ...user, cwd: dir });
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
    return {
      port,
      dir,
      bin,
      command: join(bin, "postgres"),
      args: [
        ...["-D", data, "-p", String(port), "-k", dir, "-c", "listen_addresses=127.0.0.1"],
        ...["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
      ],
      spawnOptions: { ...user, cwd: dir },
      url,
      sql,
      async waitReady(exited, timeoutMs = 15_000) {
        const deadline = Date.now() + timeoutMs;
        const accepting = () =>
          sql("SELECT 1").then(
            () => true,
            () => false,
          );
        while (!(await accepting())) {
          if (exited()) throw new Error(`postgres on port ${port} exited before it accepted queries`);
          if (Date.now() > deadline) throw new Error(`timed out waiting for postgres on port ${port}`);
          await sleep(50);
        }
      },
      remove,
    };
  } catch (err) {
    remove();
    throw err;
  }
}
