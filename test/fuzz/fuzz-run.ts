import type { FloodReport } from "../helpers/h2-flood.js";
import { floodPath, runFlood } from "../helpers/h2-flood-run.js";
import { type BodyReport, fuzzApiBodies } from "./api-bodies.js";
import { type FrameReport, fuzzClientFrames } from "./client-frames.js";
import { compareDirectAndRouter, type DirectVsRouterReport } from "./direct-vs-router.js";
import { fuzzPools, startFuzzServer } from "./fuzz-server.js";
import { type HonestReport, startHonestSubscriber } from "./honest-subscriber.js";
import {
  type OversizedReport,
  type ProbeCodes,
  probeProxiedUntil,
  startOversizedProxy,
} from "./oversized-proxy.js";

/** One fuzz run's results: both fuzzers, the honest subscriber, and whether the server still answers. */
export interface FuzzOutcome {
  readonly seed: number;
  readonly seconds: number;
  readonly frames: FrameReport;
  readonly bodies: BodyReport;
  /** Fuzzed unary calls sent once to the direct path and once to the Connect router, after the fuzzers. */
  readonly directVsRouter: DirectVsRouterReport;
  readonly honest: HonestReport;
  /** The HTTP/2 bursts sent before SETTINGS was acknowledged, one report per round. */
  readonly bursts: FloodReport[];
  readonly proxy: OversizedReport;
  /** What polite clients of the proxies got while the fuzzers ran. */
  readonly proxied: ProbeCodes;
  readonly aliveAfter: boolean;
}

/** Connections of one pre-ACK burst round, and the unary calls each sends at once. */
const burst = { connections: 4, streams: 1000 };

/** Sends a pre-ACK burst round after round (at most `rounds`) until `done` settles. */
async function burstUntil(
  port: number,
  key: string,
  done: Promise<unknown>,
  rounds = 2,
): Promise<FloodReport[]> {
  let finished = false;
  void done.finally(() => (finished = true));
  const reports: FloodReport[] = [];
  while (reports.length === 0 || (!finished && reports.length < rounds)) {
    reports.push(
      await runFlood({ port, key, path: floodPath, ...burst, reset: false, beforeAck: true, waitMs: 30_000 }),
    );
  }
  return reports;
}

/**
 * Starts a fuzz server and runs the client frame fuzzer and the API body
 * fuzzer side by side, with an honest subscriber receiving a publication every
 * 20 ms through it all, raw h2c connections bursting calls before the
 * server's SETTINGS is acknowledged, and a proxy backend answering some
 * connects and subscribes over the size limit.
 */
export async function runFuzz(o: {
  frames: number;
  bodies: number;
  pairs: number;
  seed: number;
}): Promise<FuzzOutcome> {
  const proxy = await startOversizedProxy();
  const srv = await startFuzzServer(proxy);
  const begun = Date.now();
  try {
    const pools = await fuzzPools();
    const honest = await startHonestSubscriber(srv);
    const fuzzing = Promise.all([
      fuzzClientFrames(srv.url, pools, { count: o.frames, seed: o.seed }),
      fuzzApiBodies(srv.url, srv.apiKey, pools, { count: o.bodies, seed: o.seed }),
    ]);
    const [[frames, bodies], bursts, proxied] = await Promise.all([
      fuzzing,
      burstUntil(srv.port, srv.apiKey, fuzzing),
      probeProxiedUntil(srv.url, fuzzing),
    ]);
    const honestReport = await honest.stop();
    // Alone, one call at a time, so that each call's API metrics can be told apart.
    const directVsRouter = await compareDirectAndRouter(srv, pools, { count: o.pairs, seed: o.seed });
    const info = await fetch(`${srv.url}/api/info`, {
      method: "POST",
      headers: { "x-api-key": srv.apiKey },
      body: "{}",
    });
    return {
      seed: o.seed,
      seconds: Math.round((Date.now() - begun) / 1000),
      frames,
      bodies,
      directVsRouter,
      honest: honestReport,
      bursts,
      proxy: proxy.report,
      proxied,
      aliveAfter: info.status === 200,
    };
  } finally {
    await srv.close();
    await proxy.close();
  }
}
