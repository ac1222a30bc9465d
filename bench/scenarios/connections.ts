import { type BenchServer, startBaseline, startRotor } from "../lib/bench-server.js";
import { sleep } from "../lib/clock.js";
import { openFleet } from "../lib/fleet.js";
import { fileLimits, freePort, raiseFileLimit, rssBytes } from "../lib/processes.js";
import { atMost, makeFigure } from "../lib/report.js";
import type { ScenarioContext } from "./context.js";

/** Descriptors a server needs besides its connections (listeners, pipes, libuv). */
const spareDescriptors = 200;

interface Variant {
  readonly name: string;
  readonly server: "rotor" | "raw-ws";
  readonly subscribe: boolean;
}

const variants: Variant[] = [
  { name: "rotor, connected, no subscription", server: "rotor", subscribe: false },
  { name: "rotor, one channel each", server: "rotor", subscribe: true },
  { name: "raw ws server (reference)", server: "raw-ws", subscribe: false },
];

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

async function measure(ctx: ScenarioContext, v: Variant, count: number): Promise<number | string> {
  const port = await freePort();
  const { serverCpus, loadCpus } = ctx.options;
  const server: BenchServer =
    v.server === "rotor"
      ? await startRotor(port, serverCpus)
      : await startBaseline("raw-ws-server", port, serverCpus);
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
      mode: v.server === "rotor" ? "centrifugo" : "raw",
      count,
      channels,
      subscribe: v.subscribe,
      cpus: loadCpus,
    });
    try {
      const after = await settledRss(server.proc.pid, ctx.options.quick);
      return (after - before) / count / 1024;
    } finally {
      await fleet.close();
    }
  } finally {
    await server.proc.stop();
  }
}

/**
 * Connections: how much resident memory one idle WebSocket connection adds to
 * the server, with and without a subscription to a channel of its own; a
 * fresh server for each measurement, RSS before and after opening them.
 */
export async function runConnections(ctx: ScenarioContext): Promise<void> {
  const counts = ctx.options.quick ? [1000] : [10_000, 50_000];
  for (const count of counts) {
    for (const v of variants) {
      const values: number[] = [];
      for (let round = 0; round < ctx.options.rounds; round++) {
        const result = await measure(ctx, v, count);
        if (typeof result === "string") {
          ctx.report.notes.push(
            `connections ${count.toLocaleString("en-US")}, ${v.name}: not measured: ${result}`,
          );
          break;
        }
        ctx.log(`connections ${count}, ${v.name}: ${result.toFixed(1)} KB each`);
        values.push(result);
      }
      if (values.length === 0) continue;
      ctx.report.figures.push(
        makeFigure(
          {
            scenario: "connections",
            case: `${count.toLocaleString("en-US")} idle, ${v.name}`,
            metric: "RSS per connection",
            unit: "KB",
            values,
          },
          count === 10_000 && v.server === "rotor" && !v.subscribe ? atMost(10, " KB") : undefined,
        ),
      );
    }
  }
}
