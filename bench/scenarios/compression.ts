import { fileURLToPath } from "node:url";
import { type BenchServer, startRotor } from "../lib/bench-server.js";
import { type Fleet, openFleet } from "../lib/fleet.js";
import { ask } from "../lib/ipc.js";
import { cpuSeconds, freePort, type Proc, spawnNode } from "../lib/processes.js";
import { makeRow } from "../lib/report.js";
import type { ScenarioContext } from "./context.js";

const publisherFile = fileURLToPath(new URL("../load/publisher.ts", import.meta.url));

interface CompressionCase {
  readonly name: string;
  readonly subscribers: number;
  readonly publications: number;
  readonly inFlight: number;
}

const fullCases: CompressionCase[] = [
  { name: "1k subscribers, 1 channel, 1 in flight", subscribers: 1000, publications: 300, inFlight: 1 },
  { name: "1k subscribers, 1 channel, 4 in flight", subscribers: 1000, publications: 300, inFlight: 4 },
];

const quickCases: CompressionCase[] = [
  { name: "300 subscribers, 1 channel, 4 in flight", subscribers: 300, publications: 60, inFlight: 4 },
];

interface Target {
  readonly server: BenchServer;
  readonly fleet: Fleet;
}

interface Burst {
  readonly perCpuSecond: number;
  readonly wireBytesPerDelivery: number;
}

async function startTarget(compress: boolean, c: CompressionCase, ctx: ScenarioContext): Promise<Target> {
  const flags = compress ? ["--websocket.compression"] : [];
  const server = await startRotor(await freePort(), ctx.options.serverCpus, [
    ...ctx.options.rotorFlags,
    ...flags,
  ]);
  try {
    const fleet = await openFleet({
      url: server.url,
      mode: "centrifugo",
      count: c.subscribers,
      channels: ["bench0"],
      subscribe: true,
      cpus: ctx.options.loadCpus,
      deflate: true,
    });
    return { server, fleet };
  } catch (err) {
    await server.proc.stop();
    throw err;
  }
}

async function burst(publisher: Proc, t: Target, c: CompressionCase): Promise<Burst> {
  await t.fleet.reset();
  const before = await t.fleet.waitFor(0, 0);
  const cpu0 = cpuSeconds(t.server.proc.pid);
  await ask(publisher.child, {
    type: "run",
    url: t.server.url,
    path: "/api/publish",
    channels: ["bench0"],
    count: c.publications,
    rate: 0,
    concurrency: c.inFlight,
  });
  const got = await t.fleet.waitFor(c.publications * c.subscribers, 5000);
  const cpu = cpuSeconds(t.server.proc.pid) - cpu0;
  return {
    perCpuSecond: cpu > 0 ? got.received / cpu : Number.NaN,
    wireBytesPerDelivery: got.received > 0 ? (got.bytes - before.bytes) / got.received : Number.NaN,
  };
}

/**
 * WebSocket compression: the same subscribers, all offering permessage-deflate,
 * on a rotor with `websocket.compression` beside one without, the same bursts
 * of 100-byte publications. Compression costs CPU once per broadcast (frames
 * are deflated once and shared), and saves bytes on every socket.
 */
export async function runCompression(ctx: ScenarioContext): Promise<void> {
  const cases = ctx.options.quick ? quickCases : fullCases;
  const publisher = spawnNode([publisherFile], ctx.options.loadCpus, true);
  try {
    for (const c of cases) {
      ctx.log(`compression: ${c.name}`);
      const targets: Target[] = [];
      try {
        targets.push(await startTarget(true, c, ctx), await startTarget(false, c, ctx));
        const runs: Burst[][] = [[], []];
        for (let round = 0; round < ctx.options.rounds; round++) {
          for (const [i, t] of targets.entries()) {
            const b = await burst(publisher, t, c);
            runs[i]!.push(b);
            ctx.log(
              `  round ${round + 1} compression ${i === 0 ? "on" : "off"}: ${Math.round(b.perCpuSecond)} per cpu-s, ${b.wireBytesPerDelivery.toFixed(1)} wire bytes per delivery`,
            );
          }
        }
        const common = { scenario: "compression", case: c.name, baseline: "rotor, compression off" };
        const [on, off] = runs as [Burst[], Burst[]];
        ctx.report.rows.push(
          makeRow({
            ...common,
            metric: "deliveries per server CPU-second",
            unit: "msg/cpu-s",
            rotor: on.map((r) => r.perCpuSecond),
            base: off.map((r) => r.perCpuSecond),
          }),
          makeRow({
            ...common,
            metric: "bytes on the wire per delivery",
            unit: "B",
            rotor: on.map((r) => r.wireBytesPerDelivery),
            base: off.map((r) => r.wireBytesPerDelivery),
          }),
        );
      } catch (err) {
        ctx.report.notes.push(`compression ${c.name}: failed: ${(err as Error).message}`);
      } finally {
        for (const t of targets) {
          await t.fleet.close();
          await t.server.proc.stop();
        }
      }
    }
  } finally {
    await publisher.stop();
  }
}
