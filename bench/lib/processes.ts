import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { sleep } from "./clock.js";

const ticksPerSecond = 100;

/** A spawned process the harness pins, measures and stops. */
export interface Proc {
  readonly child: ChildProcess;
  readonly pid: number;
  /** The command line, for messages. */
  readonly what: string;
  /** The end of what it wrote (stdout and stderr), for the error message when it dies. */
  stderr(): string;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1, asked from the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Pins every thread of `pid` to `cpus` (a taskset list such as "0" or "1-3"); no-op when empty. */
export function pin(pid: number, cpus: string): void {
  if (cpus) execFileSync("taskset", ["-a", "-p", "-c", cpus, String(pid)], { stdio: "ignore" });
}

/**
 * Spawns `node <args>` with an IPC channel, pinned to `cpus`. Processes that
 * run TypeScript get the tsx loader; rotor runs from its compiled JavaScript.
 */
export function spawnNode(args: readonly string[], cpus: string, tsx: boolean): Proc {
  const execArgs = tsx ? ["--import", "tsx", ...args] : [...args];
  const child = spawn(process.execPath, execArgs, { stdio: ["ignore", "pipe", "pipe", "ipc"] });
  const proc = track(child, `node ${args.join(" ")}`);
  pin(proc.pid, cpus);
  return proc;
}

/** How to run a native program besides its CPUs and environment. */
export interface PinnedOptions {
  /** The user and group it runs as (PostgreSQL refuses root) and its working directory. */
  readonly uid?: number;
  readonly gid?: number;
  readonly cwd?: string;
  /** The signal `stop()` sends first (PostgreSQL's fast shutdown is SIGINT; its SIGTERM waits for every client). */
  readonly stopSignal?: NodeJS.Signals;
}

/**
 * Spawns a native program already pinned to `cpus` (through `taskset`, so
 * that a runtime sizing itself from its CPU affinity, as Go does, sees the
 * pinned set from its first instruction, and every process it forks
 * inherits it).
 */
export function spawnPinned(
  file: string,
  args: readonly string[],
  cpus: string,
  env: NodeJS.ProcessEnv,
  options: PinnedOptions = {},
): Proc {
  const { stopSignal, ...spawnOptions } = options;
  const [command, commandArgs] = cpus ? ["taskset", ["-c", cpus, file, ...args]] : [file, [...args]];
  const child = spawn(command, commandArgs, {
    ...spawnOptions,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  return track(child, `${file} ${args.join(" ")}`, stopSignal);
}

/**
 * Every process spawned here and not yet exited: the disposer list that
 * `stopAll` empties, so a scenario that throws halfway (or a server that
 * never became ready) leaves nothing running behind it.
 */
const running = new Set<Proc>();

/** Stops every process still running that this harness spawned; returns what each was. */
export async function stopAll(): Promise<string[]> {
  const left = [...running];
  await Promise.all(left.map((p) => p.stop()));
  return left.map((p) => p.what);
}

/** Kills what is still running at once, for when the harness itself is exiting. */
export function killAll(): void {
  for (const p of running) p.child.kill("SIGKILL");
}

function track(child: ChildProcess, what: string, stopSignal: NodeJS.Signals = "SIGTERM"): Proc {
  let stderr = "";
  const keep = (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn ${what}`);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const proc: Proc = {
    child,
    pid,
    what,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(stopSignal);
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(proc);
  void exited.then(() => running.delete(proc));
  return proc;
}

/** The number of CPUs in a taskset list such as "0", "0-3" or "0,2-3". */
export function cpuCount(cpus: string): number {
  let n = 0;
  for (const part of cpus.split(",")) {
    const [from, to] = part.split("-").map(Number);
    n += to === undefined ? 1 : to! - from! + 1;
  }
  return n;
}

/** Polls until a TCP connection to `port` on 127.0.0.1 opens, or fails with the process's stderr. */
export async function waitForPort(port: number, proc: Proc, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`server exited: ${proc.stderr()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await sleep(100);
  }
  throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms: ${proc.stderr()}`);
}

/** Polls `url` until it answers (any status), or fails with the process's stderr. */
export async function waitForHttp(url: string, proc: Proc, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`server exited: ${proc.stderr()}`);
    try {
      await fetch(url);
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`no answer from ${url} within ${timeoutMs} ms: ${proc.stderr()}`);
}

/** User + system CPU seconds the process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** Resident set size in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
  return Number(kb) * 1024;
}

/** The soft and hard limits on open files of a process. */
export function fileLimits(pid: number): { soft: number; hard: number } {
  const limits = readFileSync(`/proc/${pid}/limits`, "utf8");
  const m = /Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/.exec(limits);
  const n = (s: string | undefined) => (s === undefined || s === "unlimited" ? Infinity : Number(s));
  return { soft: n(m?.[1]), hard: n(m?.[2]) };
}

/** Raises the soft open-files limit of `pid` to its hard limit; returns the limit in force afterwards. */
export function raiseFileLimit(pid: number): number {
  const { soft, hard } = fileLimits(pid);
  if (soft >= hard || !Number.isFinite(hard)) return soft;
  try {
    execFileSync("prlimit", ["--pid", String(pid), `--nofile=${hard}:${hard}`], { stdio: "ignore" });
  } catch {
    return soft;
  }
  return fileLimits(pid).soft;
}

/** The processes `pid` forked (rotor's workers under its primary). */
export function childPids(pid: number): number[] {
  const text = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8");
  return text
    .split(" ")
    .filter((s) => s.trim() !== "")
    .map(Number);
}
