import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BenchServer, startRotor } from "../lib/bench-server.js";
import { type Fleet, openFleet } from "../lib/fleet.js";
import { ask } from "../lib/ipc.js";
import { cpuSeconds, freePort, type Proc, raiseFileLimit, spawnNode } from "../lib/processes.js";
import { atLeast, makeFigure, makeRow } from "../lib/report.js";
import type { ScenarioContext } from "./context.js";
import { runSharedPoll } from "./shared-poll.js";

const publisherFile = fileURLToPath(new URL("../load/publisher.ts", import.meta.url));

interface MapsCase {
  readonly subscribers: number;
  /** Keys in the map's state when the subscribers arrive. */
  readonly keys: number;
  /** Publications in one live burst, to the map channel and to the stream channel alike. */
  readonly publications: number;
  /** Publish requests in flight during a burst. */
  readonly inFlight: number;
}

const fullCase: MapsCase = { subscribers: 1000, keys: 10_000, publications: 300, inFlight: 4 };
const quickCase: MapsCase = { subscribers: 200, keys: 2000, publications: 200, inFlight: 4 };

/** The page size the subscribers ask for: the default `map.max_page_size`, the largest page rotor serves. */
const pageSize = 1000;
/** Keys the live bursts write, round-robin: updates of existing keys, as a scoreboard or a cursor list sees. */
export const liveKeys = 100;
export const mapChannel = "board:main";
const streamChannel = "bench";

/**
 * A recoverable map namespace (every update gets an offset in the stream, as
 * the README's examples use), with the catch-up timeout raised: a thousand
 * subscribers paging through the state at once share one CPU, and the default
 * 5 s bounds one subscriber's flow, not a stampede's. Pings are spaced out for
 * the same reason: the load process parses about a gigabyte of pages on one
 * core, and a pong queued behind them would miss the default 8 s.
 */
export function writeConfig(dir: string): string {
  const file = join(dir, "maps.json");
  const config = {
    client: { ping_interval: "120s", pong_timeout: "60s" },
    channel: {
      namespaces: [
        {
          name: "board",
          subscription_type: "map",
          map: { mode: "recoverable", key_ttl: "1h", subscribe_catch_up_timeout: "600s" },
        },
      ],
    },
  };
  writeFileSync(file, JSON.stringify(config));
  return file;
}

/** Where a burst goes: the API path, the channel, and for a map the number of keys written round-robin. */
export interface Publish {
  readonly path: string;
  readonly channel: string;
  readonly keys?: number;
}

const streamPublish: Publish = { path: "/api/publish", channel: streamChannel };
const mapPublish: Publish = { path: "/api/map_publish", channel: mapChannel, keys: liveKeys };

/** Sends `count` publish requests through the publisher process, `inFlight` at a time; any refusal fails the run. */
export async function send(
  publisher: Proc,
  server: Pick<BenchServer, "url">,
  p: Publish,
  count: number,
  inFlight: number,
): Promise<{ startedAt: number; errors: number; firstError: string }> {
  const sent = await ask<{ startedAt: number; errors: number; firstError: string }>(publisher.child, {
    type: "run",
    url: server.url,
    path: p.path,
    channels: [p.channel],
    count,
    rate: 0,
    concurrency: inFlight,
    ...(p.keys ? { keys: p.keys } : {}),
  });
  if (sent.errors > 0) throw new Error(`${p.path}: ${sent.errors} refused: ${sent.firstError}`);
  return sent;
}

/** One burst to one channel: deliveries per second of wall time and of server CPU. */
async function burst(
  publisher: Proc,
  server: BenchServer,
  fleet: Fleet,
  c: MapsCase,
  p: Publish,
  ctx: ScenarioContext,
): Promise<Rates> {
  await fleet.reset();
  const expected = c.publications * c.subscribers;
  const cpu0 = cpuSeconds(server.proc.pid);
  const sent = await send(publisher, server, p, c.publications, c.inFlight);
  const got = await fleet.waitFor(expected, 5000);
  const cpu = cpuSeconds(server.proc.pid) - cpu0;
  if (got.received < expected)
    ctx.report.notes.push(`maps: ${p.channel} delivered ${got.received} of ${expected}`);
  return {
    perSecond: got.received / ((got.lastAt - sent.startedAt) / 1000),
    perCpuSecond: cpu > 0 ? got.received / cpu : Number.NaN,
  };
}

interface Rates {
  perSecond: number;
  perCpuSecond: number;
}

interface Session {
  stateSeconds: number;
  stateEntriesPerCpuSecond: number;
  map: Rates[];
  stream: Rates[];
}

/**
 * One rotor: fill the map, connect the subscribers (each on the stream
 * channel), subscribe them all to the map at once and time the state's
 * delivery (once: at full size that alone takes minutes of CPU), then a burst
 * to the stream channel and one to the map per round, alternating.
 */
async function session(ctx: ScenarioContext, c: MapsCase, publisher: Proc, config: string): Promise<Session> {
  const server = await startRotor(await freePort(), ctx.options.serverCpus, [
    ...ctx.options.rotorFlags,
    "--config",
    config,
  ]);
  let fleet: Fleet | undefined;
  try {
    raiseFileLimit(server.proc.pid);
    await send(publisher, server, { ...mapPublish, keys: c.keys }, c.keys, 16);
    fleet = await openFleet({
      url: server.url,
      mode: "centrifugo",
      count: c.subscribers,
      channels: [streamChannel],
      subscribe: true,
      cpus: ctx.options.loadCpus,
    });
    const cpu0 = cpuSeconds(server.proc.pid);
    const state = await fleet.mapSubscribe(mapChannel, pageSize);
    const cpu = cpuSeconds(server.proc.pid) - cpu0;
    if (state.entries < c.keys * c.subscribers)
      ctx.report.notes.push(
        `maps: subscribers received ${state.entries} of ${c.keys * c.subscribers} entries`,
      );
    const r: Session = {
      stateSeconds: state.seconds,
      stateEntriesPerCpuSecond: cpu > 0 ? state.entries / cpu : Number.NaN,
      map: [],
      stream: [],
    };
    ctx.log(
      `  state: ${state.entries} entries in ${state.seconds.toFixed(2)} s, ${cpu.toFixed(2)} server cpu-s`,
    );
    for (let b = 0; b < ctx.options.rounds; b++) {
      r.stream.push(await burst(publisher, server, fleet, c, streamPublish, ctx));
      r.map.push(await burst(publisher, server, fleet, c, mapPublish, ctx));
      ctx.log(
        `  round ${b + 1}: stream ${Math.round(r.stream.at(-1)!.perCpuSecond)}, map ${Math.round(r.map.at(-1)!.perCpuSecond)} deliveries per cpu-s`,
      );
    }
    return r;
  } finally {
    await fleet?.close();
    await server.proc.stop();
  }
}

function addResults(ctx: ScenarioContext, c: MapsCase, r: Session): void {
  const name = `${c.subscribers} subscribers`;
  const stateCase = `${c.keys} keys to ${name}, pages of ${pageSize}`;
  ctx.report.figures.push(
    makeFigure({
      scenario: "maps",
      case: stateCase,
      metric: "time from subscribe to the last LIVE reply",
      unit: "s",
      values: [r.stateSeconds],
    }),
    makeFigure({
      scenario: "maps",
      case: stateCase,
      metric: "state entries delivered per server CPU-second",
      unit: "entries/cpu-s",
      values: [r.stateEntriesPerCpuSecond],
    }),
  );
  const common = {
    scenario: "maps",
    case: `${name}, live updates of ${liveKeys} keys, ${c.inFlight} in flight`,
    baseline: "stream channel",
  };
  ctx.report.rows.push(
    makeRow(
      {
        ...common,
        metric: "map deliveries per server CPU-second",
        unit: "msg/cpu-s",
        rotor: r.map.map((b) => b.perCpuSecond),
        base: r.stream.map((b) => b.perCpuSecond),
      },
      atLeast(0.9),
    ),
    makeRow({
      ...common,
      metric: "map deliveries/s",
      unit: "msg/s",
      rotor: r.map.map((b) => b.perSecond),
      base: r.stream.map((b) => b.perSecond),
    }),
  );
}

/**
 * Map subscriptions: how long a map's state takes to reach many subscribers
 * paging through it at once, and live map updates (`/api/map_publish`) fanned
 * out beside a stream channel's publications (`/api/publish`) with the same
 * 100-byte payloads to the same connections, bursts alternating in one run;
 * then shared poll's backend load against its subscriber count.
 */
export async function runMaps(ctx: ScenarioContext): Promise<void> {
  const c = ctx.options.quick ? quickCase : fullCase;
  const dir = mkdtempSync(join(tmpdir(), "rotor-bench-maps-"));
  const publisher = spawnNode([publisherFile], ctx.options.loadCpus, true);
  try {
    ctx.log(`maps: ${c.keys} keys, ${c.subscribers} subscribers`);
    addResults(ctx, c, await session(ctx, c, publisher, writeConfig(dir)));
    await runSharedPoll(ctx);
  } finally {
    await publisher.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
