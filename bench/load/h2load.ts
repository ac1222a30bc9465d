import { spawn } from "node:child_process";
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

interface H2loadOutput {
  /** h2load's own rate over its run. */
  readonly rps: number;
  /** Answered with a 2xx status. */
  readonly succeeded: number;
  /** Failed requests and non-2xx answers. */
  readonly failed: number;
}

async function runOnce(spec: H2loadSpec, ms: number): Promise<H2loadOutput> {
  const p = spec.protocol;
  const { clients, streams } = shape(p, spec.inFlight);
  const args = [
    ...(p.h1 ? ["--h1"] : []),
    "-D",
    `${Math.round(ms)}ms`,
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
  const out = await run(cmd, cmdArgs).done;
  const rps = Number(/finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(out)?.[1]);
  const failed = /requests: \d+ total, \d+ started, \d+ done, \d+ succeeded, (\d+) failed/.exec(out);
  const statuses = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(out);
  if (!Number.isFinite(rps) || !failed || !statuses)
    throw new Error(`could not read h2load's output:\n${out}`);
  const [ok, s3, s4, s5] = statuses.slice(1).map(Number) as [number, number, number, number];
  return { rps, succeeded: ok, failed: Number(failed[1]) + s3 + s4 + s5 };
}

/**
 * Runs h2load against one Publish endpoint: first an unmeasured warm-up run
 * (`warmUpMs`), then the measured one, with the server's CPU time read just
 * before h2load starts and just after it exits. Every request that run made
 * is counted against all the CPU the server spent in that window, so no
 * request and no CPU-second falls outside the other's window (h2load's own
 * warm-up starts when its connections are up, which a loaded machine delays
 * by an unknown amount). Failures count non-2xx statuses too.
 */
export async function h2load(spec: H2loadSpec): Promise<H2loadRun> {
  if (spec.warmUpMs > 0) await runOnce(spec, spec.warmUpMs);
  const cpu0 = cpuSeconds(spec.serverPid);
  const out = await runOnce(spec, spec.seconds * 1000);
  const cpu = cpuSeconds(spec.serverPid) - cpu0;
  return { rps: out.rps, failed: out.failed, perCpuSecond: cpu > 0 ? out.succeeded / cpu : Number.NaN };
}
