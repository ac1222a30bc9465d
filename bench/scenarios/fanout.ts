import { fileURLToPath } from "node:url";
import { type BenchServer, startBaseline, startGoCentrifuge, startRotor } from "../lib/bench-server.js";
import { type Fleet, openFleet, type SubscriberMode } from "../lib/fleet.js";
import { goCentrifugeBinary } from "../lib/go-centrifuge.js";
import { ask } from "../lib/ipc.js";
import { cpuSeconds, freePort, type Proc, spawnNode } from "../lib/processes.js";
import { atLeast, type Goal, makeFigure, makeRow } from "../lib/report.js";
import { median } from "../lib/stats.js";
import type { ScenarioContext } from "./context.js";

const publisherFile = fileURLToPath(new URL("../load/publisher.ts", import.meta.url));

interface FanoutCase {
  readonly name: string;
  readonly subscribers: number;
  readonly channels: number;
  /** Publications in one burst, spread round-robin over the channels. */
  readonly publications: number;
  /**
   * Publications of the unmeasured burst each server gets first: a Node
   * server's first thousands of deliveries run before V8 has optimised its
   * code, which would be measured otherwise (with `--quick`'s one round, only that).
   */
  readonly warmup: number;
  /**
   * Publish requests in flight, one burst for each. One fans each publication
   * out on its own (no batching of several publications into one frame);
   * several let a server batch, and more than one channel needs several to
   * keep the server busy.
   */
  readonly inFlight: readonly number[];
  readonly goals: boolean;
  /** The goal on publish requests per server CPU-second against the Go engine's `/api/publish`, where it has one. */
  readonly requestGoal?: Goal;
}

const fullCases: FanoutCase[] = [
  {
    name: "1k subscribers, 1 channel",
    subscribers: 1000,
    channels: 1,
    publications: 300,
    warmup: 100,
    inFlight: [1, 4],
    goals: true,
  },
  {
    name: "10k subscribers, 1 channel",
    subscribers: 10_000,
    channels: 1,
    publications: 40,
    warmup: 10,
    inFlight: [1, 4],
    goals: true,
  },
  {
    name: "1,000 channels × 10 subscribers",
    subscribers: 10_000,
    channels: 1000,
    publications: 5000,
    warmup: 1000,
    inFlight: [16],
    goals: false,
    requestGoal: atLeast(1),
  },
];

const quickCases: FanoutCase[] = [
  {
    name: "300 subscribers, 1 channel",
    subscribers: 300,
    channels: 1,
    publications: 60,
    warmup: 20,
    inFlight: [1, 4],
    goals: false,
  },
  {
    name: "50 channels × 10 subscribers",
    subscribers: 500,
    channels: 50,
    // 20,000 deliveries: even the Go engine spends some 0.3 s of CPU on them, 30 ticks of the 10 ms CPU clock.
    publications: 2000,
    warmup: 500,
    inFlight: [8],
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
  /** Publish requests answered per server CPU-second: one publication per request. */
  requestsPerCpuSec: number;
  received: number;
  expected: number;
  /** Deliveries per WebSocket message: above 1 when the server batched publications into one frame. */
  perFrame: number;
}

/** A server the scenario measures: how to start it, how its subscribers speak, where it takes publishes. */
export interface Kind {
  readonly name: string;
  readonly mode: SubscriberMode;
  readonly path: string;
  start(port: number, cpus: string): Promise<BenchServer>;
}

/** The baselines, then rotor; the Go engine when it can be built here. Latency measures some of them too. */
export async function kindsFor(ctx: ScenarioContext): Promise<Kind[]> {
  const kinds: Kind[] = [
    {
      name: "raw-ws",
      mode: "raw",
      path: "/publish",
      start: (port, cpus) => startBaseline("raw-ws-server", port, cpus),
    },
    {
      name: "socket.io",
      mode: "socketio",
      path: "/publish",
      start: (port, cpus) => startBaseline("socketio-server", port, cpus),
    },
  ];
  const go = await goCentrifugeBinary(ctx);
  if (go)
    kinds.push({
      name: "go-centrifuge",
      mode: "centrifugo-v1",
      path: "/api/publish",
      start: (port, cpus) => startGoCentrifuge(go, port, cpus),
    });
  kinds.push({
    name: "rotor",
    mode: "centrifugo",
    path: "/api/publish",
    start: (port, cpus) => startRotor(port, cpus, ctx.options.rotorFlags),
  });
  return kinds;
}

async function startTarget(kind: Kind, c: FanoutCase, ctx: ScenarioContext): Promise<Target> {
  const port = await freePort();
  const { serverCpus, loadCpus } = ctx.options;
  const server = await kind.start(port, serverCpus);
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
    throw new Error(`${kind.name}: ${(err as Error).message}`);
  }
}

/** A burst: `count` publications as fast as `inFlight` requests in flight allow. */
async function publish(
  publisher: Proc,
  t: Target,
  c: FanoutCase,
  count: number,
  inFlight: number,
): Promise<{ startedAt: number; errors: number; firstError: string }> {
  const channels = Array.from({ length: c.channels }, (_, i) => `bench${i}`);
  return ask(publisher.child, {
    type: "run",
    url: t.server.url,
    path: t.path,
    channels,
    count,
    rate: 0,
    concurrency: inFlight,
  });
}

async function burst(
  publisher: Proc,
  t: Target,
  c: FanoutCase,
  inFlight: number,
  ctx: ScenarioContext,
): Promise<Burst> {
  await t.fleet.reset();
  const expected = c.publications * (c.subscribers / c.channels);
  const cpu0 = cpuSeconds(t.server.proc.pid);
  const sent = await publish(publisher, t, c, c.publications, inFlight);
  if (sent.errors > 0)
    ctx.report.notes.push(
      `fan-out ${caseName(c, inFlight)}: ${t.server.name} refused ${sent.errors} publishes: ${sent.firstError}`,
    );
  const got = await t.fleet.waitFor(expected, 5000);
  const cpu = cpuSeconds(t.server.proc.pid) - cpu0;
  if (got.received < expected) {
    ctx.report.notes.push(
      `fan-out ${caseName(c, inFlight)}: ${t.server.name} delivered ${got.received} of ${expected}`,
    );
  }
  const seconds = (got.lastAt - sent.startedAt) / 1000;
  return {
    deliveriesPerSec: got.received / seconds,
    deliveriesPerCpuSec: cpu > 0 ? got.received / cpu : Number.NaN,
    requestsPerCpuSec: cpu > 0 ? (c.publications - sent.errors) / cpu : Number.NaN,
    received: got.received,
    expected,
    perFrame: got.frames > 0 ? got.received / got.frames : Number.NaN,
  };
}

/** The unmeasured first burst, waited out so that the first measured one starts on a quiet server. */
async function warmUp(publisher: Proc, t: Target, c: FanoutCase): Promise<void> {
  await t.fleet.reset();
  await publish(publisher, t, c, c.warmup, Math.max(...c.inFlight));
  await t.fleet.waitFor(c.warmup * (c.subscribers / c.channels), 2000);
}

const caseName = (c: FanoutCase, inFlight: number) => `${c.name}, ${inFlight} in flight`;

/** The goals of the cases that have them: rotor ÷ each baseline, on deliveries/s and per CPU-second. */
const burstGoals: Record<string, { perSecond?: Goal; perCpuSecond?: Goal }> = {
  "raw-ws": { perSecond: atLeast(0.9), perCpuSecond: atLeast(0.9) },
  "socket.io": { perSecond: atLeast(3), perCpuSecond: atLeast(3) },
  "go-centrifuge": { perCpuSecond: atLeast(1) },
};

/**
 * Node's floor beside the Go engine: the raw ws server takes the same publish
 * requests and writes the same message to the same subscribers with nothing
 * of rotor in between, so its deliveries per server CPU-second are the most a
 * Node server with ws gets here. Below the Go engine's, rotor's goal of
 * matching Go per CPU-second is out of reach on Node with ws whatever rotor
 * does; the note says which holds, with rotor's share of the floor.
 */
function addFloorFigure(ctx: ScenarioContext, name: string, results: Map<string, Burst[]>): void {
  const floor = results.get("raw-ws");
  const go = results.get("go-centrifuge");
  const rotor = results.get("rotor");
  if (!floor || !go || !rotor) return;
  const perCpu = (runs: Burst[]) => median(runs.map((r) => r.deliveriesPerCpuSec));
  const figure = makeFigure({
    scenario: "fan-out",
    case: name,
    metric:
      "Node's floor (raw ws server) ÷ Go, deliveries per server CPU-second; below 1× rotor cannot reach 1× Go",
    unit: "×",
    values: floor.map((r, i) => r.deliveriesPerCpuSec / (go[i]?.deliveriesPerCpuSec ?? Number.NaN)),
  });
  ctx.report.figures.push(figure);
  const [f, g, r] = [perCpu(floor), perCpu(go), perCpu(rotor)];
  const bound =
    f < g
      ? "rotor's goal of ≥ 1.0× Go is out of reach on Node with ws here (bounded by the floor)"
      : "the floor allows rotor's goal of ≥ 1.0× Go here";
  ctx.report.notes.push(
    `fan-out ${name}: deliveries per server CPU-second, Node's floor ${Math.round(f)}, Go ${Math.round(g)}, rotor ${Math.round(r)}: floor ÷ Go ${(f / g).toFixed(2)}×, rotor ÷ floor ${(r / f).toFixed(2)}×; ${bound}`,
  );
}

function addRows(ctx: ScenarioContext, name: string, c: FanoutCase, results: Map<string, Burst[]>): void {
  const { goals } = c;
  const rotor = results.get("rotor")!;
  if (c.channels > 1) addFloorFigure(ctx, name, results);
  const perFrame = [...results].map(
    ([server, runs]) => `${server} ${median(runs.map((r) => r.perFrame)).toFixed(2)}`,
  );
  ctx.report.notes.push(`fan-out ${name}: deliveries per WebSocket message (median): ${perFrame.join(", ")}`);
  for (const [base, baseRuns] of results) {
    if (base === "rotor") continue;
    const goal = goals ? burstGoals[base] : undefined;
    const common = { scenario: "fan-out", case: name, baseline: base };
    ctx.report.rows.push(
      makeRow(
        {
          ...common,
          metric: "deliveries/s",
          unit: "msg/s",
          rotor: rotor.map((r) => r.deliveriesPerSec),
          base: baseRuns.map((r) => r.deliveriesPerSec),
        },
        goal?.perSecond,
      ),
      makeRow(
        {
          ...common,
          metric: "deliveries per server CPU-second",
          unit: "msg/cpu-s",
          rotor: rotor.map((r) => r.deliveriesPerCpuSec),
          base: baseRuns.map((r) => r.deliveriesPerCpuSec),
        },
        goal?.perCpuSecond,
      ),
    );
    if (base === "go-centrifuge")
      ctx.report.rows.push(
        makeRow(
          {
            ...common,
            metric: "publish requests per server CPU-second",
            unit: "req/cpu-s",
            rotor: rotor.map((r) => r.requestsPerCpuSec),
            base: baseRuns.map((r) => r.requestsPerCpuSec),
          },
          c.requestGoal,
        ),
      );
  }
}

/**
 * Fan-out: the same subscribers on rotor, a raw ws server, Socket.IO and the
 * Go engine, the same bursts of 100-byte publications through each one's
 * HTTP publish endpoint, rounds interleaved so that noise hits all alike.
 */
export async function runFanout(ctx: ScenarioContext): Promise<void> {
  const cases = ctx.options.quick ? quickCases : fullCases;
  const kinds = await kindsFor(ctx);
  const publisher = spawnNode([publisherFile], ctx.options.loadCpus, true);
  try {
    for (const c of cases) {
      ctx.log(`fan-out: ${c.name}`);
      const targets = new Map<string, Target>();
      try {
        for (const kind of kinds) targets.set(kind.name, await startTarget(kind, c, ctx));
        for (const t of targets.values()) await warmUp(publisher, t, c);
        const bursts = c.inFlight.map(() => new Map<string, Burst[]>(kinds.map((k) => [k.name, []])));
        for (let round = 0; round < ctx.options.rounds; round++) {
          for (const [name, t] of targets) {
            for (const [level, inFlight] of c.inFlight.entries()) {
              const b = await burst(publisher, t, c, inFlight, ctx);
              bursts[level]!.get(name)!.push(b);
              ctx.log(
                `  round ${round + 1} ${name}, ${inFlight} in flight: ${Math.round(b.deliveriesPerSec)} deliveries/s, ${Math.round(b.deliveriesPerCpuSec)} per cpu-s, ${b.perFrame.toFixed(2)} per frame`,
              );
            }
          }
        }
        for (const [level, inFlight] of c.inFlight.entries())
          addRows(ctx, caseName(c, inFlight), c, bursts[level]!);
      } catch (err) {
        ctx.report.notes.push(`fan-out ${c.name}: failed: ${(err as Error).message}`);
        ctx.log(`fan-out ${c.name} failed: ${(err as Error).stack}`);
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
