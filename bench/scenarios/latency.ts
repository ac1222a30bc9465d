import { fileURLToPath } from "node:url";
import type { BenchServer } from "../lib/bench-server.js";
import { type Fleet, openFleet } from "../lib/fleet.js";
import { quantile } from "../lib/histogram.js";
import { ask } from "../lib/ipc.js";
import { freePort, type Proc, spawnNode } from "../lib/processes.js";
import { atMost, type Goal, makeRow } from "../lib/report.js";
import { median } from "../lib/stats.js";
import type { ScenarioContext } from "./context.js";
import { type Kind, kindsFor } from "./fanout.js";

const publisherFile = fileURLToPath(new URL("../load/publisher.ts", import.meta.url));

interface LatencyCase {
  readonly subscribers: number;
  /** Publications per second, from four requests in flight. */
  readonly rate: number;
  /** Publications in one round. */
  readonly publications: number;
  /** Connections of the probe: its own process, subscribed after the others. */
  readonly probes: number;
  /** Rounds when `--rounds` is not given: each round is one p99, and the median of those is reported. */
  readonly rounds: number;
}

const fullCase: LatencyCase = { subscribers: 1000, rate: 50, publications: 250, probes: 20, rounds: 9 };
const quickCase: LatencyCase = { subscribers: 300, rate: 50, publications: 100, probes: 10, rounds: 3 };

/** The kinds measured: the Go engine and the raw ws floor beside rotor (Socket.IO is left to fan-out). */
const measured = new Set(["raw-ws", "go-centrifuge", "rotor"]);

/** rotor's p50 and p99 ÷ each baseline's. */
const goals: Record<string, { p50?: Goal; p99?: Goal }> = {
  "raw-ws": { p50: atMost(1.5), p99: atMost(1.5) },
  "go-centrifuge": { p99: atMost(1) },
};

interface Target {
  readonly kind: Kind;
  readonly server: BenchServer;
  /** Every subscriber but the probe's, in their own load process(es). */
  readonly fleet: Fleet;
  /** A few connections in a process of their own, opened last: what an outside probe sees. */
  readonly probe: Fleet;
}

/** One round's quantiles, in ms: over every subscriber's deliveries, and over the probe's alone. */
interface Round {
  p50: number;
  p99: number;
  probeP50: number;
  probeP99: number;
}

const channel = "latency";

async function startTarget(kind: Kind, c: LatencyCase, ctx: ScenarioContext): Promise<Target> {
  const { serverCpus, loadCpus } = ctx.options;
  const server = await kind.start(await freePort(), serverCpus);
  const spec = { url: server.url, mode: kind.mode, channels: [channel], subscribe: true, cpus: loadCpus };
  try {
    const fleet = await openFleet({ ...spec, count: c.subscribers - c.probes });
    try {
      const probe = await openFleet({ ...spec, count: c.probes });
      return { kind, server, fleet, probe };
    } catch (err) {
      await fleet.close();
      throw err;
    }
  } catch (err) {
    await server.proc.stop();
    throw new Error(`${kind.name}: ${(err as Error).message}`);
  }
}

/**
 * One round: `publications` timestamped publishes at the fixed rate; every
 * delivery's latency is taken by the subscriber that received it, against the
 * machine's monotonic clock the publisher stamped the payload with.
 */
async function round(publisher: Proc, t: Target, c: LatencyCase): Promise<Round> {
  await Promise.all([t.fleet.reset(), t.probe.reset()]);
  const sent = await ask<{ errors: number; firstError: string }>(publisher.child, {
    type: "run",
    url: t.server.url,
    path: t.kind.path,
    channels: [channel],
    count: c.publications,
    rate: c.rate,
    concurrency: 4,
  });
  if (sent.errors > 0) throw new Error(`${t.kind.name} refused ${sent.errors} publishes: ${sent.firstError}`);
  const [all, probe] = await Promise.all([
    t.fleet.waitFor(c.publications * (c.subscribers - c.probes), 3000),
    t.probe.waitFor(c.publications * c.probes, 3000),
  ]);
  for (const [i, n] of probe.histogram.entries()) all.histogram[i]! += n;
  return {
    p50: quantile(all.histogram, 0.5),
    p99: quantile(all.histogram, 0.99),
    probeP50: quantile(probe.histogram, 0.5),
    probeP99: quantile(probe.histogram, 0.99),
  };
}

function addRows(ctx: ScenarioContext, c: LatencyCase, results: Map<string, Round[]>): void {
  const rotor = results.get("rotor")!;
  const name = `${c.subscribers} subscribers, ${c.rate} msg/s`;
  for (const [base, runs] of results) {
    if (base === "rotor") continue;
    for (const q of ["p50", "p99"] as const) {
      ctx.report.rows.push(
        makeRow(
          {
            scenario: "latency",
            case: name,
            metric: `publish→deliver ${q}, median of rounds`,
            unit: "ms",
            baseline: base,
            rotor: rotor.map((r) => r[q]),
            base: runs.map((r) => r[q]),
          },
          ctx.options.quick ? undefined : goals[base]?.[q],
        ),
      );
    }
  }
  const probe = [...results].map(
    ([server, runs]) =>
      `${server} p50 ${median(runs.map((r) => r.probeP50)).toFixed(2)} / p99 ${median(runs.map((r) => r.probeP99)).toFixed(2)} ms`,
  );
  ctx.report.notes.push(
    `latency ${name}: the probe (${c.probes} connections in a process of their own, subscribed last), medians of rounds: ${probe.join(", ")}`,
  );
}

/**
 * Latency: publish→deliver at a steady rate on one channel, as each
 * subscriber sees it. The servers run side by side and take turns round by
 * round (rotor, Go, raw ws, rotor…), so the noise of a shared machine falls on
 * all of them; each round gives one p99, and the report takes the median of
 * those, which one slow round cannot move.
 */
export async function runLatency(ctx: ScenarioContext): Promise<void> {
  const c = ctx.options.quick ? quickCase : fullCase;
  const rounds = ctx.options.roundsGiven ? ctx.options.rounds : c.rounds;
  const kinds = (await kindsFor(ctx)).filter((k) => measured.has(k.name));
  const publisher = spawnNode([publisherFile], ctx.options.loadCpus, true);
  const targets: Target[] = [];
  try {
    ctx.log(`latency: ${c.subscribers} subscribers, ${c.rate} msg/s, ${rounds} rounds`);
    for (const kind of kinds) targets.push(await startTarget(kind, c, ctx));
    const results = new Map<string, Round[]>(kinds.map((k) => [k.name, []]));
    for (let r = 0; r < rounds; r++) {
      for (const t of r % 2 === 0 ? targets : [...targets].reverse()) {
        const got = await round(publisher, t, c);
        results.get(t.kind.name)!.push(got);
        ctx.log(
          `  round ${r + 1} ${t.kind.name}: p50 ${got.p50.toFixed(2)} ms, p99 ${got.p99.toFixed(2)} ms (probe ${got.probeP50.toFixed(2)} / ${got.probeP99.toFixed(2)} ms)`,
        );
      }
    }
    addRows(ctx, c, results);
  } finally {
    for (const t of targets) {
      await t.probe.close();
      await t.fleet.close();
      await t.server.proc.stop();
    }
    await publisher.stop();
  }
}
