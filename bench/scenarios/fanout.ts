import { fileURLToPath } from "node:url";
import { type BenchServer, startBaseline, startRotor } from "../lib/bench-server.js";
import { type Fleet, openFleet, type SubscriberMode } from "../lib/fleet.js";
import { quantile } from "../lib/histogram.js";
import { ask } from "../lib/ipc.js";
import { cpuSeconds, freePort, type Proc, spawnNode } from "../lib/processes.js";
import { atLeast, atMost, type Goal, makeRow } from "../lib/report.js";
import type { ScenarioContext } from "./context.js";

const publisherFile = fileURLToPath(new URL("../load/publisher.ts", import.meta.url));

interface FanoutCase {
  readonly name: string;
  readonly subscribers: number;
  readonly channels: number;
  /** Publications in one burst, spread round-robin over the channels. */
  readonly publications: number;
  /**
   * Publish requests in flight. One fans each publication out on its own (no
   * batching of several publications into one frame); more than one channel
   * needs several to keep the server busy.
   */
  readonly concurrency: number;
  readonly goals: boolean;
  /** Also measure publish→deliver latency at a steady rate on these connections. */
  readonly latency?: { readonly rate: number; readonly publications: number };
}

const fullCases: FanoutCase[] = [
  {
    name: "1k subscribers, 1 channel",
    subscribers: 1000,
    channels: 1,
    publications: 300,
    concurrency: 1,
    goals: true,
    latency: { rate: 50, publications: 500 },
  },
  {
    name: "10k subscribers, 1 channel",
    subscribers: 10_000,
    channels: 1,
    publications: 40,
    concurrency: 1,
    goals: true,
  },
  {
    name: "1,000 channels × 10 subscribers",
    subscribers: 10_000,
    channels: 1000,
    publications: 5000,
    concurrency: 16,
    goals: false,
  },
];

const quickCases: FanoutCase[] = [
  {
    name: "300 subscribers, 1 channel",
    subscribers: 300,
    channels: 1,
    publications: 60,
    concurrency: 1,
    goals: false,
    latency: { rate: 50, publications: 100 },
  },
  {
    name: "50 channels × 10 subscribers",
    subscribers: 500,
    channels: 50,
    publications: 500,
    concurrency: 8,
    goals: false,
  },
];

interface Target {
  readonly server: BenchServer;
  readonly path: string;
  readonly fleet: Fleet;
}

interface Burst {
  deliveriesPerSec: number;
  deliveriesPerCpuSec: number;
  received: number;
  expected: number;
}

const kinds: { name: string; mode: SubscriberMode; path: string }[] = [
  { name: "raw-ws", mode: "raw", path: "/publish" },
  { name: "socket.io", mode: "socketio", path: "/publish" },
  { name: "rotor", mode: "centrifugo", path: "/api/publish" },
];

async function startTarget(
  kind: (typeof kinds)[number],
  c: FanoutCase,
  ctx: ScenarioContext,
): Promise<Target> {
  const port = await freePort();
  const { serverCpus, loadCpus } = ctx.options;
  const server =
    kind.name === "rotor"
      ? await startRotor(port, serverCpus)
      : await startBaseline(kind.name === "raw-ws" ? "raw-ws-server" : "socketio-server", port, serverCpus);
  const channels = Array.from({ length: c.channels }, (_, i) => `bench${i}`);
  try {
    const fleet = await openFleet({
      url: server.url,
      mode: kind.mode,
      count: c.subscribers,
      channels,
      subscribe: true,
      cpus: loadCpus,
    });
    return { server, path: kind.path, fleet };
  } catch (err) {
    await server.proc.stop();
    throw err;
  }
}

async function publish(
  publisher: Proc,
  t: Target,
  c: FanoutCase,
  count: number,
  rate: number,
): Promise<{ startedAt: number; errors: number; firstError: string }> {
  const channels = Array.from({ length: c.channels }, (_, i) => `bench${i}`);
  return ask(publisher.child, {
    type: "run",
    url: t.server.url,
    path: t.path,
    channels,
    count,
    rate,
    concurrency: rate > 0 ? 4 : c.concurrency,
  });
}

async function burst(publisher: Proc, t: Target, c: FanoutCase, ctx: ScenarioContext): Promise<Burst> {
  await t.fleet.reset();
  const expected = c.publications * (c.subscribers / c.channels);
  const cpu0 = cpuSeconds(t.server.proc.pid);
  const sent = await publish(publisher, t, c, c.publications, 0);
  if (sent.errors > 0)
    ctx.report.notes.push(
      `fan-out ${c.name}: ${t.server.name} refused ${sent.errors} publishes: ${sent.firstError}`,
    );
  const got = await t.fleet.waitFor(expected, 5000);
  const cpu = cpuSeconds(t.server.proc.pid) - cpu0;
  if (got.received < expected) {
    ctx.report.notes.push(`fan-out ${c.name}: ${t.server.name} delivered ${got.received} of ${expected}`);
  }
  const seconds = (got.lastAt - sent.startedAt) / 1000;
  return {
    deliveriesPerSec: got.received / seconds,
    deliveriesPerCpuSec: cpu > 0 ? got.received / cpu : Number.NaN,
    received: got.received,
    expected,
  };
}

async function steady(publisher: Proc, t: Target, c: FanoutCase): Promise<{ p50: number; p99: number }> {
  const l = c.latency!;
  await t.fleet.reset();
  await publish(publisher, t, c, l.publications, l.rate);
  const got = await t.fleet.waitFor(l.publications * c.subscribers, 3000);
  return { p50: quantile(got.histogram, 0.5), p99: quantile(got.histogram, 0.99) };
}

function addRows(ctx: ScenarioContext, c: FanoutCase, results: Map<string, Burst[]>): void {
  const rotor = results.get("rotor")!;
  for (const base of ["raw-ws", "socket.io"]) {
    const baseRuns = results.get(base)!;
    const goal: Goal | undefined = c.goals ? atLeast(base === "raw-ws" ? 0.9 : 3) : undefined;
    const common = { scenario: "fan-out", case: c.name, baseline: base };
    ctx.report.rows.push(
      makeRow(
        {
          ...common,
          metric: "deliveries/s",
          unit: "msg/s",
          rotor: rotor.map((r) => r.deliveriesPerSec),
          base: baseRuns.map((r) => r.deliveriesPerSec),
        },
        goal,
      ),
      makeRow(
        {
          ...common,
          metric: "deliveries per server CPU-second",
          unit: "msg/cpu-s",
          rotor: rotor.map((r) => r.deliveriesPerCpuSec),
          base: baseRuns.map((r) => r.deliveriesPerCpuSec),
        },
        goal,
      ),
    );
  }
}

function addLatencyRows(
  ctx: ScenarioContext,
  c: FanoutCase,
  results: Map<string, { p50: number; p99: number }[]>,
): void {
  const rotor = results.get("rotor")!;
  const name = `${c.name}, ${c.latency!.rate} msg/s`;
  for (const base of ["raw-ws", "socket.io"]) {
    const runs = results.get(base)!;
    const goal = c.goals && base === "raw-ws" ? atMost(1.5) : undefined;
    for (const q of ["p50", "p99"] as const) {
      ctx.report.rows.push(
        makeRow(
          {
            scenario: "latency",
            case: name,
            metric: `publish→deliver ${q}`,
            unit: "ms",
            baseline: base,
            rotor: rotor.map((r) => r[q]),
            base: runs.map((r) => r[q]),
          },
          goal,
        ),
      );
    }
  }
}

/**
 * Fan-out: the same subscribers on rotor, a raw ws server and Socket.IO, the
 * same bursts of 100-byte publications through each one's HTTP publish
 * endpoint, rounds interleaved so that noise hits all three alike.
 */
export async function runFanout(ctx: ScenarioContext): Promise<void> {
  const cases = ctx.options.quick ? quickCases : fullCases;
  const publisher = spawnNode([publisherFile], ctx.options.loadCpus, true);
  try {
    for (const c of cases) {
      ctx.log(`fan-out: ${c.name}`);
      const targets = new Map<string, Target>();
      try {
        for (const kind of kinds) targets.set(kind.name, await startTarget(kind, c, ctx));
        const bursts = new Map<string, Burst[]>(kinds.map((k) => [k.name, []]));
        const latencies = new Map<string, { p50: number; p99: number }[]>(kinds.map((k) => [k.name, []]));
        for (let round = 0; round < ctx.options.rounds; round++) {
          for (const [name, t] of targets) {
            const b = await burst(publisher, t, c, ctx);
            bursts.get(name)!.push(b);
            ctx.log(
              `  round ${round + 1} ${name}: ${Math.round(b.deliveriesPerSec)} deliveries/s, ${Math.round(b.deliveriesPerCpuSec)} per cpu-s`,
            );
            if (c.latency) {
              const l = await steady(publisher, t, c);
              latencies.get(name)!.push(l);
              ctx.log(
                `  round ${round + 1} ${name}: latency p50 ${l.p50.toFixed(2)} ms, p99 ${l.p99.toFixed(2)} ms`,
              );
            }
          }
        }
        addRows(ctx, c, bursts);
        if (c.latency) addLatencyRows(ctx, c, latencies);
      } finally {
        for (const t of targets.values()) {
          await t.fleet.close();
          await t.server.proc.stop();
        }
      }
    }
  } finally {
    await publisher.stop();
  }
}
