import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { type BenchServer, startBaseline, startH2Baseline, startRotor } from "../lib/bench-server.js";
import { freePort } from "../lib/processes.js";
import { atLeast, makeRow } from "../lib/report.js";
import { ensureCommands, tools } from "../lib/system-tools.js";
import { apiProtocols, bodyFile, checkOnce } from "../load/api-requests.js";
import { type H2loadRun, h2load } from "../load/h2load.js";
import type { ScenarioContext } from "./context.js";

/**
 * Rounds in quick mode when `--rounds` is not given. On a shared machine a
 * server's CPU per request moves by up to 2× from one second to the next with
 * what else runs (a starved load generator hands it one request per wake-up, a
 * starved server batches), so one round per server says little about a ratio
 * between servers: three rounds, the servers taking turns in an order reversed
 * every round, and the median.
 */
const quickRounds = 3;

/**
 * API: Publish requests per second on every protocol against the same
 * Fastify + one-port app whose handler does nothing, and for gRPC also
 * against a plain grpc-js server whose Publish does nothing. h2load only sees
 * HTTP statuses, so each protocol's request is first sent once and its answer
 * checked (gRPC status, no error in the body) on every server. Every other
 * protocol is also held per server CPU-second to rotor's own native gRPC.
 * The servers take turns round by round, and each figure is the median of
 * the rounds.
 */
export async function runApi(ctx: ScenarioContext): Promise<void> {
  if (!ensureCommands(ctx, "api (h2load drives every protocol)", tools.h2load)) return;
  const levels = ctx.options.quick ? [16] : [1, 16, 64];
  const rounds = ctx.options.roundsGiven || !ctx.options.quick ? ctx.options.rounds : quickRounds;
  const { serverCpus } = ctx.options;
  const servers: BenchServer[] = [];
  try {
    servers.push(await startBaseline("noop-api-server", await freePort(), serverCpus));
    servers.push(await startRotor(await freePort(), serverCpus, ctx.options.rotorFlags));
    servers.push(await startH2Baseline("grpc-js-api-server", await freePort(), serverCpus));
    const [baseline, rotor, grpcJs] = servers as [BenchServer, BenchServer, BenchServer];
    /** rotor's native gRPC runs at each level: every other protocol is held to ≥ 0.9× of them per CPU-second. */
    const nativeGrpc = new Map<number, H2loadRun[]>();
    for (const p of apiProtocols()) {
      const withGrpcJs = p.name === "gRPC";
      for (const s of withGrpcJs ? servers : [baseline, rotor]) {
        const problem = await checkOnce(s.url, p);
        if (problem) throw new Error(`${p.name} publish to ${s.name} failed: ${problem}`);
      }
      const file = bodyFile(p);
      try {
        for (const inFlight of levels) {
          const runs = { rotor: [] as H2loadRun[], base: [] as H2loadRun[], grpcJs: [] as H2loadRun[] };
          const turns = [
            [baseline, runs.base],
            [rotor, runs.rotor],
            ...(withGrpcJs ? ([[grpcJs, runs.grpcJs]] as const) : []),
          ] as const;
          for (let round = 0; round < rounds; round++) {
            for (const [s, into] of round % 2 === 0 ? turns : [...turns].reverse()) {
              const r = await h2load({
                url: s.url,
                protocol: p,
                file,
                inFlight,
                seconds: ctx.options.quick ? 1 : 3,
                warmUpMs: ctx.options.quick ? 500 : 1000,
                cpus: ctx.options.loadCpus,
                serverPid: s.proc.pid,
              });
              if (r.failed > 0)
                ctx.report.notes.push(`api ${p.name} ×${inFlight}: ${s.name} failed ${r.failed} requests`);
              into.push(r);
            }
          }
          const rps = (rs: H2loadRun[]) => rs.map((r) => Math.round(r.rps)).join(" ");
          ctx.log(
            `api ${p.name}, ${inFlight} in flight: rotor ${rps(runs.rotor)}, no-op ${rps(runs.base)}${withGrpcJs ? `, grpc-js ${rps(runs.grpcJs)}` : ""} req/s`,
          );
          const common = { scenario: "api", case: `${p.name}, ${inFlight} in flight` };
          const rows = (baseline: string, base: H2loadRun[], perCpu: boolean, goal: number) => {
            ctx.report.rows.push(
              makeRow(
                {
                  ...common,
                  metric: "Publish",
                  unit: "req/s",
                  baseline,
                  rotor: runs.rotor.map((r) => r.rps),
                  base: base.map((r) => r.rps),
                },
                atLeast(goal),
              ),
            );
            if (perCpu)
              ctx.report.rows.push(
                makeRow(
                  {
                    ...common,
                    metric: "Publish per server CPU-second",
                    unit: "req/cpu-s",
                    baseline,
                    rotor: runs.rotor.map((r) => r.perCpuSecond),
                    base: base.map((r) => r.perCpuSecond),
                  },
                  atLeast(goal),
                ),
              );
          };
          rows("no-op handler", runs.base, true, 0.85);
          if (withGrpcJs) {
            rows("grpc-js no-op", runs.grpcJs, true, 1);
            nativeGrpc.set(inFlight, runs.rotor);
          }
          const grpc = nativeGrpc.get(inFlight);
          if (!withGrpcJs && grpc)
            ctx.report.rows.push(
              makeRow(
                {
                  ...common,
                  metric: "Publish per server CPU-second",
                  unit: "req/cpu-s",
                  baseline: "rotor native gRPC",
                  rotor: runs.rotor.map((r) => r.perCpuSecond),
                  base: grpc.map((r) => r.perCpuSecond),
                },
                atLeast(0.9),
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
