import { type BenchServer, startGoCentrifuge, startPlainBaseline, startRotor } from "../lib/bench-server.js";
import { sleep } from "../lib/clock.js";
import { openFleet, type SubscriberMode } from "../lib/fleet.js";
import { goCentrifugeBinary } from "../lib/go-centrifuge.js";
import { fileLimits, freePort, raiseFileLimit, rssBytes } from "../lib/processes.js";
import { atMost, type Goal, makeFigure, makeRow, type Row } from "../lib/report.js";
import type { ScenarioContext } from "./context.js";

/** Descriptors a server needs besides its connections (listeners, pipes, libuv). */
const spareDescriptors = 200;

type ServerName = "rotor" | "go-centrifuge" | "bare-ws";

interface Variant {
  readonly name: string;
  readonly server: ServerName;
  readonly subscribe: boolean;
}

/** Node's floor: node:http and ws in plain JavaScript, nothing else loaded. */
const bareName = "bare node:http + ws server (reference)";

const variants: Variant[] = [
  { name: "rotor, connected, no subscription", server: "rotor", subscribe: false },
  { name: "rotor, one channel each", server: "rotor", subscribe: true },
  { name: "Go Centrifuge, connected, no subscription", server: "go-centrifuge", subscribe: false },
  { name: "Go Centrifuge, one channel each", server: "go-centrifuge", subscribe: true },
  { name: bareName, server: "bare-ws", subscribe: false },
];

const modes: Record<ServerName, SubscriberMode> = {
  rotor: "centrifugo",
  "go-centrifuge": "centrifugo-v1",
  "bare-ws": "raw",
};

/** RSS of the idle server before any connection (bytes), and what each connection added (KB). */
interface Measured {
  readonly base: number;
  readonly perConnection: number;
}

/** RSS once it has stopped moving (allocation from the connect burst settles, GC runs). */
async function settledRss(pid: number, quick: boolean): Promise<number> {
  await sleep(quick ? 1000 : 3000);
  const samples: number[] = [];
  for (let i = 0; i < 3; i++) {
    samples.push(rssBytes(pid));
    await sleep(500);
  }
  return Math.min(...samples);
}

function start(
  v: Variant,
  port: number,
  cpus: string,
  go: string | undefined,
  rotorFlags: readonly string[],
): Promise<BenchServer> {
  if (v.server === "rotor") return startRotor(port, cpus, rotorFlags);
  if (v.server === "go-centrifuge") return startGoCentrifuge(go!, port, cpus);
  return startPlainBaseline("bare-ws-server", port, cpus);
}

async function measure(
  ctx: ScenarioContext,
  v: Variant,
  count: number,
  go: string | undefined,
): Promise<Measured | string> {
  const port = await freePort();
  const { serverCpus, loadCpus } = ctx.options;
  const server = await start(v, port, serverCpus, go, ctx.options.rotorFlags);
  try {
    const limit = raiseFileLimit(server.proc.pid);
    if (limit < count + spareDescriptors) {
      const { hard } = fileLimits(server.proc.pid);
      return `needs ${count + spareDescriptors} open files, the server may have ${limit} (hard limit ${hard}, not raisable here)`;
    }
    const before = await settledRss(server.proc.pid, ctx.options.quick);
    const channels = v.subscribe ? Array.from({ length: count }, (_, i) => `personal${i}`) : ["idle"];
    const fleet = await openFleet({
      url: server.url,
      mode: modes[v.server],
      count,
      channels,
      subscribe: v.subscribe,
      cpus: loadCpus,
    });
    try {
      const after = await settledRss(server.proc.pid, ctx.options.quick);
      return { base: before, perConnection: (after - before) / count / 1024 };
    } finally {
      await fleet.close();
    }
  } finally {
    await server.proc.stop();
  }
}

/** The idle server's RSS before any connection, rotor's beside a baseline's. */
function baseRssRow(
  baseline: string,
  rotor: readonly Measured[],
  base: readonly Measured[],
  goal: Goal,
): Row {
  const mb = (m: Measured) => m.base / 2 ** 20;
  return makeRow(
    {
      scenario: "connections",
      case: "idle server, no connections",
      metric: "base RSS",
      unit: "MB",
      baseline,
      rotor: rotor.map(mb),
      base: base.map(mb),
    },
    goal,
  );
}

/** rotor's idle server ÷ the bare node:http + ws server's, measured in the same rounds. */
function addBareRow(ctx: ScenarioContext, results: Map<string, Measured[]>): void {
  const rotorIdle = results.get("rotor, connected, no subscription") ?? [];
  const bare = results.get(bareName) ?? [];
  if (rotorIdle.length === 0 || bare.length === 0) return;
  ctx.report.rows.push(baseRssRow("bare node:http + ws", rotorIdle, bare, atMost(1.5)));
}

/** rotor ÷ Go: the idle server, and each kind of connection. */
function addGoRows(
  ctx: ScenarioContext,
  count: number,
  results: Map<string, Measured[]>,
  withBase: boolean,
): void {
  const of = (name: string) => results.get(name) ?? [];
  const common = { scenario: "connections", baseline: "go-centrifuge" };
  const rotorIdle = of("rotor, connected, no subscription");
  const goIdle = of("Go Centrifuge, connected, no subscription");
  if (rotorIdle.length === 0 || goIdle.length === 0) return;
  if (withBase) ctx.report.rows.push(baseRssRow("go-centrifuge", rotorIdle, goIdle, atMost(2)));
  for (const [what, rotorName, goName] of [
    [
      "connected, no subscription",
      "rotor, connected, no subscription",
      "Go Centrifuge, connected, no subscription",
    ],
    ["one channel each", "rotor, one channel each", "Go Centrifuge, one channel each"],
  ] as const) {
    if (of(rotorName).length === 0 || of(goName).length === 0) continue;
    ctx.report.rows.push(
      makeRow(
        {
          ...common,
          case: `${count.toLocaleString("en-US")} idle, ${what}`,
          metric: "RSS per connection",
          unit: "KB",
          rotor: of(rotorName).map((m) => m.perConnection),
          base: of(goName).map((m) => m.perConnection),
        },
        atMost(0.5),
      ),
    );
  }
}

/**
 * Connections: how much resident memory one idle WebSocket connection adds to
 * the server, with and without a subscription to a channel of its own; a
 * fresh server for each measurement, RSS before and after opening them. The
 * RSS before is the idle server's own, compared with a bare node:http + ws
 * server's (Node's floor) and the Go engine's.
 */
export async function runConnections(ctx: ScenarioContext): Promise<void> {
  const counts = ctx.options.quick ? [1000] : [10_000, 50_000];
  const go = await goCentrifugeBinary(ctx);
  for (const count of counts) {
    const results = new Map<string, Measured[]>();
    // --quick keeps to a minute: connected-only is enough to see the scenario work.
    let running = variants.filter(
      (v) => (v.server !== "go-centrifuge" || go) && !(ctx.options.quick && v.subscribe),
    );
    // Rounds alternate the servers (A, B, C, A, B, C…), so a change in the machine's load falls on all of them.
    for (let round = 0; round < ctx.options.rounds; round++) {
      for (const v of running) {
        const result = await measure(ctx, v, count, go);
        if (typeof result === "string") {
          ctx.report.notes.push(
            `connections ${count.toLocaleString("en-US")}, ${v.name}: not measured: ${result}`,
          );
          running = running.filter((r) => r !== v);
          continue;
        }
        ctx.log(
          `connections ${count}, ${v.name}: ${result.perConnection.toFixed(1)} KB each, idle server ${(result.base / 2 ** 20).toFixed(1)} MB`,
        );
        results.set(v.name, [...(results.get(v.name) ?? []), result]);
      }
    }
    for (const v of variants) {
      const values = results.get(v.name);
      if (!values) continue;
      ctx.report.figures.push(
        makeFigure(
          {
            scenario: "connections",
            case: `${count.toLocaleString("en-US")} idle, ${v.name}`,
            metric: "RSS per connection",
            unit: "KB",
            values: values.map((m) => m.perConnection),
          },
          count === 10_000 && v.server === "rotor" && !v.subscribe ? atMost(10, " KB") : undefined,
        ),
      );
    }
    if (count === counts[0]) addBareRow(ctx, results);
    addGoRows(ctx, count, results, count === counts[0]);
  }
}
