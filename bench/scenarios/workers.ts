import { fileURLToPath } from "node:url";
import { type BenchServer, startGoCentrifuge, startRotor } from "../lib/bench-server.js";
import { sleep } from "../lib/clock.js";
import { type Fleet, openFleet, type SubscriberMode } from "../lib/fleet.js";
import { goCentrifugeBinary } from "../lib/go-centrifuge.js";
import { ask } from "../lib/ipc.js";
import { childPids, cpuCount, freePort, type Proc, pin, spawnNode } from "../lib/processes.js";
import { type RedisServer, startRedisServer } from "../lib/redis-server.js";
import { atLeast, makeFigure, makeRow } from "../lib/report.js";
import { ensureCommands, tools } from "../lib/system-tools.js";
import type { ScenarioContext } from "./context.js";

const publisherFile = fileURLToPath(new URL("../load/publisher.ts", import.meta.url));

interface Sizes {
  /** The scaling figure: subscribers on one channel, publications per burst, requests in flight. */
  readonly subscribers: number;
  readonly publications: number;
  readonly inFlight: number;
  /** The 2-worker correctness check. */
  readonly checkSubscribers: number;
  readonly checkPublications: number;
}

const full: Sizes = {
  subscribers: 10_000,
  publications: 100,
  inFlight: 4,
  checkSubscribers: 1000,
  checkPublications: 200,
};
const quick: Sizes = {
  subscribers: 1000,
  publications: 60,
  inFlight: 4,
  checkSubscribers: 200,
  checkPublications: 50,
};

/** Most worker counts the scaling figure tries. */
const maxWorkers = 8;

interface InfoNode {
  readonly name: string;
  readonly num_clients: number;
}

async function infoNodes(url: string): Promise<InfoNode[]> {
  const res = await fetch(`${url}/api/info`, { method: "POST", body: "{}" });
  return ((await res.json()) as { result: { nodes: InfoNode[] } }).result.nodes;
}

/** Polls Info until `check` holds (nodes report each other's counts every few seconds). */
async function infoUntil(url: string, what: string, check: (nodes: InfoNode[]) => boolean) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const nodes = await infoNodes(url);
    if (check(nodes)) return nodes;
    if (Date.now() > deadline) throw new Error(`${what}: Info shows ${JSON.stringify(nodes)}`);
    await sleep(200);
  }
}

/** `rotor --workers n` over Redis, every worker pinned to `cpus`, once all n answer in Info. */
async function startWorkers(
  redis: RedisServer,
  n: number,
  cpus: string,
  prefix: string,
  ctx: ScenarioContext,
) {
  const engine = [
    "--engine.type",
    "redis",
    "--engine.redis.address",
    redis.url,
    "--engine.redis.prefix",
    prefix,
  ];
  const rotor = await startRotor(await freePort(), cpus, [
    "--workers",
    String(n),
    ...engine,
    ...ctx.options.rotorFlags,
  ]);
  try {
    await infoUntil(rotor.url, `${n} workers`, (nodes) => nodes.length === n);
    for (const pid of childPids(rotor.proc.pid)) pin(pid, cpus);
    return rotor;
  } catch (err) {
    await rotor.proc.stop();
    throw err;
  }
}

/** One burst as fast as `inFlight` requests allow: deliveries/s from the first publish to the last delivery. */
async function burst(
  publisher: Proc,
  server: BenchServer,
  fleet: Fleet,
  channel: string,
  publications: number,
  inFlight: number,
  expected: number,
) {
  await fleet.reset();
  const sent = await ask<{ startedAt: number; errors: number; firstError: string }>(publisher.child, {
    type: "run",
    url: server.url,
    path: "/api/publish",
    channels: [channel],
    count: publications,
    rate: 0,
    concurrency: inFlight,
  });
  const got = await fleet.waitFor(expected, 5000);
  return { ...got, sent, perSecond: got.received / ((got.lastAt - sent.startedAt) / 1000) };
}

/**
 * Publishes through the shared port into two workers whose subscribers sit
 * on both (Info says how many on each): every subscriber must receive every
 * publication, whichever worker took each publish.
 */
async function check(ctx: ScenarioContext, s: Sizes, publisher: Proc): Promise<void> {
  const { serverCpus, loadCpus } = ctx.options;
  const redis = await startRedisServer(loadCpus);
  try {
    const rotor = await startWorkers(redis, 2, serverCpus, "check", ctx);
    const fleet = await openFleet({
      url: rotor.url,
      mode: "centrifugo",
      count: s.checkSubscribers,
      channels: ["check"],
      subscribe: true,
      cpus: loadCpus,
    });
    try {
      const nodes = await infoUntil(
        rotor.url,
        "subscribers on both workers",
        (all) =>
          all.length === 2 &&
          all.every((n) => n.num_clients > 0) &&
          all.reduce((sum, n) => sum + n.num_clients, 0) === s.checkSubscribers,
      );
      const expected = s.checkPublications * s.checkSubscribers;
      const got = await burst(publisher, rotor, fleet, "check", s.checkPublications, 4, expected);
      const spread = nodes.map((n) => `${n.num_clients} on ${n.name}`).join(", ");
      ctx.report.figures.push(
        makeFigure(
          {
            scenario: "workers",
            case: `2 workers on Redis, ${s.checkSubscribers} subscribers across both, ${s.checkPublications} publishes through the shared port`,
            metric: "deliveries received ÷ expected",
            unit: "fraction",
            values: [got.received / expected],
          },
          atLeast(1, ""),
        ),
      );
      ctx.report.notes.push(
        `workers: 2-worker check: subscribers ${spread}; ${got.received} of ${expected} deliveries; ${got.sent.errors} publishes refused${got.sent.errors > 0 ? ` (${got.sent.firstError})` : ""}`,
      );
      ctx.log(`workers: check: ${spread}; ${got.received} of ${expected} deliveries`);
    } finally {
      await fleet.close();
      await rotor.proc.stop();
    }
  } finally {
    await redis.stop();
  }
}

/** A server of the scaling figure and how its subscribers speak. */
interface Contender {
  readonly name: string;
  readonly mode: SubscriberMode;
  start(): Promise<BenchServer>;
  stop(): Promise<void>;
}

/** Deliveries/s of one contender over the rounds, its subscribers opened once. */
async function measure(ctx: ScenarioContext, s: Sizes, publisher: Proc, c: Contender): Promise<number[]> {
  const server = await c.start();
  try {
    const fleet = await openFleet({
      url: server.url,
      mode: c.mode,
      count: s.subscribers,
      channels: ["scale"],
      subscribe: true,
      cpus: ctx.options.loadCpus,
    });
    try {
      const out: number[] = [];
      for (let round = 0; round < ctx.options.rounds; round++) {
        const expected = s.publications * s.subscribers;
        const got = await burst(publisher, server, fleet, "scale", s.publications, s.inFlight, expected);
        if (got.received < expected)
          ctx.report.notes.push(`workers: ${c.name} delivered ${got.received} of ${expected}`);
        ctx.log(`  round ${round + 1} ${c.name}: ${Math.round(got.perSecond)} deliveries/s`);
        out.push(got.perSecond);
      }
      return out;
    } finally {
      await fleet.close();
    }
  } finally {
    await c.stop();
  }
}

/** Deliveries/s with 1, 2, … workers on the server CPUs, beside the Go engine given the same CPUs. */
async function scaling(ctx: ScenarioContext, s: Sizes, publisher: Proc, cores: number): Promise<void> {
  const { serverCpus, loadCpus } = ctx.options;
  const go = await goCentrifugeBinary(ctx);
  const redis = await startRedisServer(loadCpus);
  try {
    let goRuns: number[] = [];
    if (go) {
      let server: BenchServer | undefined;
      goRuns = await measure(ctx, s, publisher, {
        name: "go-centrifuge",
        mode: "centrifugo-v1",
        start: async () => (server = await startGoCentrifuge(go, await freePort(), serverCpus)),
        stop: async () => server?.proc.stop(),
      });
    }
    for (let n = 1; n <= Math.min(cores, maxWorkers); n++) {
      let server: BenchServer | undefined;
      const runs = await measure(ctx, s, publisher, {
        name: `rotor, ${n} workers`,
        mode: "centrifugo",
        start: async () => (server = await startWorkers(redis, n, serverCpus, `scale${n}`, ctx)),
        stop: async () => server?.proc.stop(),
      });
      const fields = {
        scenario: "workers",
        case: `${s.subscribers} subscribers, 1 channel, ${s.inFlight} in flight; rotor ${n} worker${n > 1 ? "s" : ""} on Redis, ${cores} CPUs`,
        metric: "deliveries/s",
        unit: "msg/s",
      };
      if (go)
        ctx.report.rows.push(
          makeRow({ ...fields, baseline: `go-centrifuge, GOMAXPROCS=${cores}`, rotor: runs, base: goRuns }),
        );
      else ctx.report.figures.push(makeFigure({ ...fields, values: runs }));
    }
  } finally {
    await redis.stop();
  }
}

/**
 * Every core: with enough CPUs for the servers and the load apart, rotor's
 * deliveries/s with 1, 2, … workers over Redis beside the Go engine on the
 * same CPUs; on a smaller machine a note saying so. Always the 2-worker
 * correctness check.
 */
export async function runWorkers(ctx: ScenarioContext): Promise<void> {
  const s = ctx.options.quick ? quick : full;
  const { serverCpus, loadCpus } = ctx.options;
  const cores = serverCpus ? cpuCount(serverCpus) : 1;
  if (!ensureCommands(ctx, "workers (redis-server joins the workers)", tools.redis)) return;
  const publisher = spawnNode([publisherFile], loadCpus, true);
  try {
    ctx.log("workers: 2-worker correctness check");
    await check(ctx, s, publisher);
    if (cores >= 2 && loadCpus && cpuCount(loadCpus) >= 2) {
      ctx.log(`workers: scaling on ${cores} server CPUs (${serverCpus})`);
      await scaling(ctx, s, publisher, cores);
    } else {
      ctx.report.notes.push(
        `workers: the scaling figure (deliveries/s with 1, 2, … workers beside the Go engine on the same CPUs) needs more cores: ` +
          `it takes 2 or more server CPUs and 2 or more for the load; this run has ${cores} (${serverCpus || "unpinned"}) and ${loadCpus ? cpuCount(loadCpus) : 0} (${loadCpus || "unpinned"}). ` +
          "Only the 2-worker correctness check ran.",
      );
    }
  } finally {
    await publisher.stop();
  }
}
