import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { type BenchServer, startBaseline, startH2Baseline, startRotor } from "../lib/bench-server.js";
import { freePort } from "../lib/processes.js";
import { atLeast, makeRow } from "../lib/report.js";
import { type ApiProtocol, apiProtocols, bodyFile, checkOnce } from "../load/api-requests.js";
import type { ScenarioContext } from "./context.js";

interface H2loadRun {
  readonly rps: number;
  readonly failed: number;
}

/** In-flight requests: h2c spreads them over up to 4 connections, HTTP/1.1 needs one connection each. */
function shape(protocol: ApiProtocol, inFlight: number): { clients: number; streams: number } {
  if (protocol.h1) return { clients: inFlight, streams: 1 };
  const clients = Math.min(4, inFlight);
  return { clients, streams: Math.ceil(inFlight / clients) };
}

function h2load(
  ctx: ScenarioContext,
  url: string,
  p: ApiProtocol,
  file: string,
  inFlight: number,
): H2loadRun {
  const { clients, streams } = shape(p, inFlight);
  const [duration, warmUp] = ctx.options.quick ? ["1", "500ms"] : ["3", "1"];
  const args = [
    ...(p.h1 ? ["--h1"] : []),
    "-D",
    duration,
    "--warm-up-time",
    warmUp,
    "-c",
    String(clients),
    "-m",
    String(streams),
    "-d",
    file,
    ...Object.entries(p.headers).flatMap(([k, v]) => ["-H", `${k}: ${v}`]),
    `${url}${p.path}`,
  ];
  const cmd = ctx.options.loadCpus ? "taskset" : "h2load";
  const cmdArgs = ctx.options.loadCpus ? ["-c", ctx.options.loadCpus, "h2load", ...args] : args;
  const out = execFileSync(cmd, cmdArgs, { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
  const rps = Number(/finished in [\d.]+s, ([\d.]+) req\/s/.exec(out)?.[1]);
  const failed = Number(
    /requests: \d+ total, \d+ started, \d+ done, \d+ succeeded, (\d+) failed/.exec(out)?.[1],
  );
  const non2xx = /status codes: \d+ 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(out);
  const bad = non2xx ? Number(non2xx[1]) + Number(non2xx[2]) + Number(non2xx[3]) : 0;
  if (!Number.isFinite(rps)) throw new Error(`could not read h2load's output:\n${out}`);
  return { rps, failed: failed + bad };
}

/**
 * API: Publish requests per second on every protocol against the same
 * Fastify + one-port app whose handler does nothing, and for gRPC also
 * against a plain grpc-js server whose Publish does nothing. h2load only sees
 * HTTP statuses, so each protocol's request is first sent once and its answer
 * checked (gRPC status, no error in the body) on every server.
 */
export async function runApi(ctx: ScenarioContext): Promise<void> {
  const levels = ctx.options.quick ? [16] : [1, 16, 64];
  const { serverCpus } = ctx.options;
  const servers: BenchServer[] = [];
  try {
    servers.push(await startBaseline("noop-api-server", await freePort(), serverCpus));
    servers.push(await startRotor(await freePort(), serverCpus));
    servers.push(await startH2Baseline("grpc-js-api-server", await freePort(), serverCpus));
    const [baseline, rotor, grpcJs] = servers as [BenchServer, BenchServer, BenchServer];
    for (const p of apiProtocols()) {
      const withGrpcJs = p.name === "gRPC";
      for (const s of withGrpcJs ? servers : [baseline, rotor]) {
        const problem = await checkOnce(s.url, p);
        if (problem) throw new Error(`${p.name} publish to ${s.name} failed: ${problem}`);
      }
      const file = bodyFile(p);
      try {
        for (const inFlight of levels) {
          const runs = { rotor: [] as number[], base: [] as number[], grpcJs: [] as number[] };
          for (let round = 0; round < ctx.options.rounds; round++) {
            for (const [s, into] of [
              [baseline, runs.base],
              [rotor, runs.rotor],
              ...(withGrpcJs ? ([[grpcJs, runs.grpcJs]] as const) : []),
            ] as const) {
              const r = h2load(ctx, s.url, p, file, inFlight);
              if (r.failed > 0)
                ctx.report.notes.push(`api ${p.name} ×${inFlight}: ${s.name} failed ${r.failed} requests`);
              into.push(r.rps);
            }
          }
          ctx.log(
            `api ${p.name}, ${inFlight} in flight: rotor ${runs.rotor.map(Math.round).join(" ")}, no-op ${runs.base.map(Math.round).join(" ")}${withGrpcJs ? `, grpc-js ${runs.grpcJs.map(Math.round).join(" ")}` : ""} req/s`,
          );
          ctx.report.rows.push(
            makeRow(
              {
                scenario: "api",
                case: `${p.name}, ${inFlight} in flight`,
                metric: "Publish",
                unit: "req/s",
                baseline: "no-op handler",
                rotor: runs.rotor,
                base: runs.base,
              },
              atLeast(0.85),
            ),
          );
          if (withGrpcJs)
            ctx.report.rows.push(
              makeRow(
                {
                  scenario: "api",
                  case: `${p.name}, ${inFlight} in flight`,
                  metric: "Publish",
                  unit: "req/s",
                  baseline: "grpc-js no-op",
                  rotor: runs.rotor,
                  base: runs.grpcJs,
                },
                atLeast(1),
              ),
            );
        }
      } finally {
        rmSync(dirname(file), { recursive: true, force: true });
      }
    }
  } finally {
    for (const s of servers) await s.proc.stop();
  }
}
