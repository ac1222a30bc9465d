import { fileURLToPath } from "node:url";
import { rotorBinFlags } from "../lib/bench-server.js";
import { sleep } from "../lib/clock.js";
import { ask } from "../lib/ipc.js";
import { freePort, raiseFileLimit, rssBytes, spawnNode, waitForHttp } from "../lib/processes.js";
import { atMost, type Goal, makeFigure } from "../lib/report.js";
import type { ScenarioContext } from "./context.js";

const soakServer = fileURLToPath(new URL("../servers/soak-rotor.ts", import.meta.url));
const soakClients = fileURLToPath(new URL("../load/soak-clients.ts", import.meta.url));

/** What the soak server reports of itself over IPC (bytes, counts). */
interface Memory {
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly clients: number;
  readonly descriptors: number;
}

interface Sample extends Memory {
  readonly t: number;
  readonly rss: number;
}

/** Least-squares slope of `y` over `t`, per minute. */
function slopePerMinute(samples: readonly Sample[], y: (s: Sample) => number): number {
  const n = samples.length;
  if (n < 2) return Number.NaN;
  const mt = samples.reduce((a, s) => a + s.t, 0) / n;
  const my = samples.reduce((a, s) => a + y(s), 0) / n;
  let num = 0;
  let den = 0;
  for (const s of samples) {
    num += (s.t - mt) * (y(s) - my);
    den += (s.t - mt) ** 2;
  }
  return (num / den) * 60_000;
}

/**
 * Soak: rotor under steady load for `--duration` (default 2 minutes, 20 s with
 * --quick) — long-lived subscribers with recovery, a publisher at a fixed
 * rate (`--soak-rate`, to soak for long beside other work at a light load),
 * connections churning — sampling the server's RSS and heap every few
 * seconds. Reported: the slopes after the first fifth (warm-up) of RSS, of
 * RSS less the heap committed, of the heap used and committed, external
 * memory and ArrayBuffers (V8 grows and shrinks its heap by tens of MB under
 * load, which alone tilts the RSS slope either way; RSS outside the heap
 * growing while external and ArrayBuffers stay flat is memory outside V8's
 * accounting: the allocator, sockets), each at the end beside the open
 * descriptors (every sample, with the client count, goes to the log), and
 * what the subscribers saw: gaps, duplicates, publications still missing at
 * the end (all three must be 0), dropped connections.
 */
export async function runSoak(ctx: ScenarioContext): Promise<void> {
  const { quick, serverCpus, loadCpus, rotorNodeFlags } = ctx.options;
  const seconds = ctx.options.durationSeconds ?? (quick ? 20 : 120);
  const sized = quick
    ? { subscribers: 200, channels: 20, rate: 50, churn: 10 }
    : { subscribers: 1000, channels: 100, rate: 200, churn: 50 };
  const rate = ctx.options.soakRate;
  const size = rate === undefined ? sized : { ...sized, rate, churn: Math.floor(rate / 4) };
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = spawnNode(
    [...rotorBinFlags(), ...rotorNodeFlags, soakServer, "--port", String(port)],
    serverCpus,
    true,
  );
  const load = spawnNode([soakClients], loadCpus, true);
  try {
    raiseFileLimit(server.pid);
    await waitForHttp(`${url}/health`, server, 60_000);
    await ask(load.child, { type: "start", url, ...size });
    ctx.log(
      `soak: ${size.subscribers} subscribers, ${size.rate} publications/s, ${size.churn} connects/s for ${seconds} s`,
    );
    const samples: Sample[] = [];
    const begun = Date.now();
    const every = Math.max(1000, Math.min(10_000, (seconds * 1000) / 60));
    while (Date.now() - begun < seconds * 1000) {
      await sleep(every);
      const memory = await ask<Memory>(server.child, { type: "memory" });
      samples.push({ ...memory, t: Date.now() - begun, rss: rssBytes(server.pid) });
    }
    const seen = await ask<Record<string, number>>(load.child, { type: "stop" });
    const steady = samples.slice(Math.floor(samples.length / 5));
    const mb = (bytes: number) => bytes / 2 ** 20;
    const figure = (metric: string, unit: string, value: number, goal?: Goal) =>
      ctx.report.figures.push(
        makeFigure({ scenario: "soak", case: `${seconds} s`, metric, unit, values: [value] }, goal),
      );
    const last = samples.at(-1);
    const memories: [string, (s: Sample) => number][] = [
      ["RSS", (s) => s.rss],
      ["RSS less the heap committed", (s) => s.rss - s.heapTotal],
      ["heap", (s) => s.heapUsed],
      ["heap committed", (s) => s.heapTotal],
      ["external", (s) => s.external],
      ["ArrayBuffers", (s) => s.arrayBuffers],
    ];
    for (const [name, bytes] of memories) {
      const slope = slopePerMinute(steady, (s) => mb(bytes(s)));
      figure(
        `${name} slope after warm-up`,
        "MB/min",
        slope,
        name === "RSS" ? atMost(0.2, " MB/min") : undefined,
      );
    }
    for (const [name, bytes] of memories) figure(`${name} at the end`, "MB", last ? mb(bytes(last)) : 0);
    figure("open descriptors at the end", "count", last?.descriptors ?? 0);
    for (const key of ["published", "delivered", "drops", "churned", "publishErrors"]) {
      figure(key, "count", seen[key] ?? 0);
    }
    for (const key of ["gaps", "duplicates", "missingAtEnd"])
      figure(key, "count", seen[key] ?? 0, atMost(0, ""));
    ctx.log(
      `soak: ${JSON.stringify(seen)}; samples [s, RSS, heap, heap committed, external, ArrayBuffers MB, clients, descriptors] ${JSON.stringify(
        samples.map((s) => [
          Math.round(s.t / 1000),
          ...[s.rss, s.heapUsed, s.heapTotal, s.external, s.arrayBuffers].map(
            (b) => Math.round(mb(b) * 10) / 10,
          ),
          s.clients,
          s.descriptors,
        ]),
      )}`,
    );
  } finally {
    await load.stop();
    await server.stop();
  }
}
