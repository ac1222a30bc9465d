import { spawn } from "node:child_process";
import { sleep } from "../lib/clock.js";
import { cpuSeconds } from "../lib/processes.js";
import type { ApiProtocol } from "./api-requests.js";

export interface H2loadRun {
  readonly rps: number;
  readonly failed: number;
  /** Requests per second of the server's CPU time over the measured period (after the warm-up). */
  readonly perCpuSecond: number;
}

export interface H2loadSpec {
  readonly url: string;
  readonly protocol: ApiProtocol;
  /** The request body, in a file (`bodyFile`). */
  readonly file: string;
  readonly inFlight: number;
  /** Measured seconds, after `warmUpMs`. */
  readonly seconds: number;
  readonly warmUpMs: number;
  /** The server process, whose CPU time the run measures. */
  readonly serverPid: number;
  /** taskset CPU list for h2load; empty for no pinning. */
  readonly cpus: string;
}

/** In-flight requests: h2c spreads them over up to 4 connections, HTTP/1.1 needs one connection each. */
function shape(protocol: ApiProtocol, inFlight: number): { clients: number; streams: number } {
  if (protocol.h1) return { clients: inFlight, streams: 1 };
  const clients = Math.min(4, inFlight);
  return { clients, streams: Math.ceil(inFlight / clients) };
}

function run(cmd: string, args: readonly string[]): { done: Promise<string> } {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  const done = new Promise<string>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`h2load exited ${code}:\n${out}`)),
    );
  });
  return { done };
}

/**
 * Runs h2load against one Publish endpoint, reading the server's CPU time
 * when the warm-up ends and when h2load exits; failures count non-2xx
 * statuses too.
 */
export async function h2load(spec: H2loadSpec): Promise<H2loadRun> {
  const p = spec.protocol;
  const { clients, streams } = shape(p, spec.inFlight);
  const args = [
    ...(p.h1 ? ["--h1"] : []),
    "-D",
    String(spec.seconds),
    "--warm-up-time",
    `${spec.warmUpMs}ms`,
    "-c",
    String(clients),
    "-m",
    String(streams),
    "-d",
    spec.file,
    ...Object.entries(p.headers).flatMap(([k, v]) => ["-H", `${k}: ${v}`]),
    `${spec.url}${p.path}`,
  ];
  const cmd = spec.cpus ? "taskset" : "h2load";
  const cmdArgs = spec.cpus ? ["-c", spec.cpus, "h2load", ...args] : args;
  const { done } = run(cmd, cmdArgs);
  // h2load failing to start (or exiting early) rejects here, not unhandled during the warm-up.
  await Promise.race([sleep(spec.warmUpMs), done]);
  const cpu0 = cpuSeconds(spec.serverPid);
  const out = await done;
  const cpu = cpuSeconds(spec.serverPid) - cpu0;
  const rps = Number(/finished in [\d.]+s, ([\d.]+) req\/s/.exec(out)?.[1]);
  const failed = Number(
    /requests: \d+ total, \d+ started, \d+ done, \d+ succeeded, (\d+) failed/.exec(out)?.[1],
  );
  const non2xx = /status codes: \d+ 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(out);
  const bad = non2xx ? Number(non2xx[1]) + Number(non2xx[2]) + Number(non2xx[3]) : 0;
  if (!Number.isFinite(rps)) throw new Error(`could not read h2load's output:\n${out}`);
  return { rps, failed: failed + bad, perCpuSecond: cpu > 0 ? (rps * spec.seconds) / cpu : Number.NaN };
}
