import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { historyAddStream } from "../../src/broker/redis/scripts.js";
import { publishInBatches } from "../lib/batch-publish.js";
import { type BenchServer, startRotor } from "../lib/bench-server.js";
import { openFleet } from "../lib/fleet.js";
import { quantile } from "../lib/histogram.js";
import { ask } from "../lib/ipc.js";
import { freePort, spawnNode } from "../lib/processes.js";
import { type RedisServer, startRedisServer, startRotorOnRedis } from "../lib/redis-server.js";
import { atLeast, atMost, makeRow } from "../lib/report.js";
import { ensureCommands, tools } from "../lib/system-tools.js";
import type { ScenarioContext } from "./context.js";

const run = promisify(execFile);
const publisherFile = fileURLToPath(new URL("../load/publisher.ts", import.meta.url));

interface Sizes {
  readonly publications: number;
  /** Publications rotor takes before the measured ones (redis-benchmark, in C, needs none). */
  readonly warmUp: number;
  readonly channels: number;
  readonly batchSize: number;
  readonly inFlight: number;
  readonly subscribers: number;
  readonly rate: number;
  readonly latencyPublications: number;
}

const full: Sizes = {
  publications: 200_000,
  warmUp: 20_000,
  channels: 1000,
  batchSize: 100,
  inFlight: 8,
  subscribers: 1000,
  rate: 50,
  latencyPublications: 500,
};
const quick: Sizes = {
  ...full,
  publications: 20_000,
  warmUp: 5000,
  subscribers: 300,
  latencyPublications: 100,
};

/**
 * The Redis limit for rotor's publish: redis-benchmark running the very
 * script rotor runs (history append + PUBLISH) pipelined, its streams and
 * PUB/SUB channels spread over as many channels as rotor's load (`-r`). One
 * stream for every call cost Redis a quarter less per call (12.2 against
 * 15.7 µs of redis-server CPU, where rotor's load on 1,000 channels costs
 * 15.7 µs), a limit no load on many channels reaches. The counter hash stays
 * one: redis-benchmark draws each `__rand_int__` on its own, so a stream
 * paired with its own channel's counter is not possible, and one shared
 * counter keeps every stream's next id above its last.
 */
async function redisBenchmark(redis: RedisServer, s: Sizes, cpus: string): Promise<number> {
  const sha = await redis.cli("script", "load", historyAddStream.source);
  const key = (kind: string) => `limit.${kind}.bench`;
  const args = [
    "-p",
    new URL(redis.url).port,
    "-n",
    String(s.publications),
    "-c",
    "16",
    "-P",
    "32",
    "--csv",
    "-r",
    String(s.channels),
    "evalsha",
    sha,
    "3",
    key("stream.__rand_int__"),
    key("stream.meta"),
    key("result"),
    "x".repeat(110),
    "10",
    "300",
    key("client.__rand_int__"),
    "2592000",
    "AbCdEfGh",
    "publish",
    "",
    "0",
    "0",
    "",
  ];
  const { stdout } = await run("taskset", ["-c", cpus, "redis-benchmark", ...args]);
  const line = stdout.trim().split("\n").pop() ?? "";
  return Number(line.split(",")[1]?.replaceAll('"', ""));
}

/** Publications/s through one rotor node's batch API with history on. */
async function rotorThroughput(
  redis: RedisServer,
  s: Sizes,
  ctx: ScenarioContext,
  round: number,
): Promise<number> {
  const rotor = await startRotorOnRedis(redis, `tp${round}`, ctx.options.serverCpus);
  try {
    const load = {
      channels: s.channels,
      count: s.publications,
      batchSize: s.batchSize,
      concurrency: s.inFlight,
      warmUp: s.warmUp,
    };
    return await publishInBatches(rotor.url, load, ctx, "redis");
  } finally {
    await rotor.proc.stop();
  }
}

/** publish→deliver p50/p99 at a steady rate: subscribers on `subscribeTo`, publishes into `publishTo`. */
async function latency(
  subscribeTo: BenchServer,
  publishTo: BenchServer,
  s: Sizes,
  ctx: ScenarioContext,
): Promise<{ p50: number; p99: number }> {
  const fleet = await openFleet({
    url: subscribeTo.url,
    mode: "centrifugo",
    count: s.subscribers,
    channels: ["latency"],
    subscribe: true,
    cpus: ctx.options.loadCpus,
  });
  const publisher = spawnNode([publisherFile], ctx.options.loadCpus, true);
  try {
    await fleet.reset();
    await ask(publisher.child, {
      type: "run",
      url: publishTo.url,
      path: "/api/publish",
      channels: ["latency"],
      count: s.latencyPublications,
      rate: s.rate,
      concurrency: 4,
    });
    const got = await fleet.waitFor(s.latencyPublications * s.subscribers, 3000);
    return { p50: quantile(got.histogram, 0.5), p99: quantile(got.histogram, 0.99) };
  } finally {
    await publisher.stop();
    await fleet.close();
  }
}

/**
 * Redis engine: publications/s from one node with history on (many channels,
 * batches in flight) beside redis-benchmark running the same Lua script
 * pipelined; and publish→deliver latency across two nodes (subscribers on
 * one, publishes into the other) beside one node on the memory engine.
 */
export async function runRedis(ctx: ScenarioContext): Promise<void> {
  if (!ensureCommands(ctx, "redis (redis-server runs the engine)", tools.redis)) return;
  const withLimit = ensureCommands(ctx, "redis: the redis-benchmark baseline", tools.redisBenchmark);
  const s = ctx.options.quick ? quick : full;
  const { serverCpus, loadCpus } = ctx.options;
  const limit: number[] = [];
  const rotor: number[] = [];
  const memory: { p50: number; p99: number }[] = [];
  const twoNodes: { p50: number; p99: number }[] = [];
  for (let round = 0; round < ctx.options.rounds; round++) {
    ctx.log(`redis: round ${round + 1}`);
    const redis = await startRedisServer(loadCpus);
    try {
      if (withLimit) limit.push(await redisBenchmark(redis, s, serverCpus));
      rotor.push(await rotorThroughput(redis, s, ctx, round));
      const single = await startRotor(await freePort(), serverCpus);
      try {
        memory.push(await latency(single, single, s, ctx));
      } finally {
        await single.proc.stop();
      }
      const a = await startRotorOnRedis(redis, `lat${round}`, serverCpus);
      const b = await startRotorOnRedis(redis, `lat${round}`, loadCpus);
      try {
        twoNodes.push(await latency(a, b, s, ctx));
      } finally {
        await Promise.all([a.proc.stop(), b.proc.stop()]);
      }
    } finally {
      await redis.stop();
    }
  }
  ctx.report.rows.push(
    makeRow(
      {
        scenario: "redis",
        case: `history on, ${s.channels} channels, batches of ${s.batchSize}, ${s.inFlight} in flight`,
        metric: "publications/s",
        unit: "pub/s",
        baseline: "redis-benchmark, same Lua script, pipelined, same number of channels",
        rotor,
        base: limit,
      },
      atLeast(0.5),
    ),
  );
  for (const q of ["p50", "p99"] as const) {
    ctx.report.rows.push(
      makeRow(
        {
          scenario: "redis",
          case: `${s.subscribers} subscribers × ${s.rate} msg/s, two nodes (subscribers on one, API on the other)`,
          metric: `publish→deliver ${q}`,
          unit: "ms",
          baseline: "one node, memory engine",
          rotor: twoNodes.map((r) => r[q]),
          base: memory.map((r) => r[q]),
        },
        atMost(1.5),
      ),
    );
  }
}
