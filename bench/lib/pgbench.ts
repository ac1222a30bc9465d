import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { nowMs } from "./clock.js";
import type { PostgresServer } from "./postgres-server.js";
import { cpuCount } from "./processes.js";

const run = promisify(execFile);

/** What one pgbench run did. */
export interface PgbenchRun {
  /** Transactions per second, without the time its clients took to connect. */
  readonly tps: number;
  /** When its first transaction began, on the clock of `nowMs` (after the connections); only when logged. */
  readonly firstAt: number | undefined;
}

/**
 * When the first logged transaction began: each line of pgbench's log
 * (`-l`) is `client transaction latency_us script end_s end_us`, the end
 * on the wall clock; `offset` takes that to the clock of `nowMs`.
 */
function firstStart(dir: string, offset: number): number | undefined {
  let first: number | undefined;
  for (const name of readdirSync(dir).filter((n) => n.startsWith("tx."))) {
    for (const line of readFileSync(join(dir, name), "utf8").split("\n")) {
      const fields = line.split(" ").map(Number);
      if (fields.length < 6) continue;
      const startedAt = fields[4]! * 1000 + fields[5]! / 1000 - fields[2]! / 1000 + offset;
      if (first === undefined || startedAt < first) first = startedAt;
    }
  }
  return first;
}

/**
 * Runs pgbench with `script` pinned to `cpus`, one thread per CPU. With
 * `log`, each transaction is logged, which tells when the first one began:
 * a run timed from there leaves out pgbench's own start and its
 * connections (a server process forked per client, which an application
 * with a pool does not pay per write).
 */
export async function pgbench(
  pg: PostgresServer,
  database: string,
  script: string,
  args: readonly string[],
  cpus: string,
  log = false,
): Promise<PgbenchRun> {
  const dir = mkdtempSync(join(tmpdir(), "rotor-bench-pgbench-"));
  const file = join(dir, "script.sql");
  writeFileSync(file, script);
  const threads = String(Math.max(1, cpuCount(cpus || "0")));
  const command = [pg.program("pgbench"), "-n", "-h", "127.0.0.1", "-p", String(pg.port), "-U", "postgres"];
  command.push("-j", threads, ...(log ? ["-l", "--log-prefix", join(dir, "tx")] : []));
  command.push(...args, "-f", file, database);
  const offset = nowMs() - Date.now();
  try {
    const { stdout } = cpus
      ? await run("taskset", ["-c", cpus, ...command])
      : await run(command[0]!, command.slice(1));
    const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout)?.[1];
    if (tps === undefined) throw new Error(`pgbench printed no tps: ${stdout}`);
    return { tps: Number(tps), firstAt: log ? firstStart(dir, offset) : undefined };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
