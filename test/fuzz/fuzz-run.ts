import { type BodyReport, fuzzApiBodies } from "./api-bodies.js";
import { type FrameReport, fuzzClientFrames } from "./client-frames.js";
import { fuzzPools, startFuzzServer } from "./fuzz-server.js";
import { type HonestReport, startHonestSubscriber } from "./honest-subscriber.js";

/** One fuzz run's results: both fuzzers, the honest subscriber, and whether the server still answers. */
export interface FuzzOutcome {
  readonly seed: number;
  readonly seconds: number;
  readonly frames: FrameReport;
  readonly bodies: BodyReport;
  readonly honest: HonestReport;
  readonly aliveAfter: boolean;
}

/**
 * Starts a fuzz server and runs the client frame fuzzer and the API body
 * fuzzer side by side, with an honest subscriber receiving a publication every
 * 20 ms through it all.
 */
export async function runFuzz(o: { frames: number; bodies: number; seed: number }): Promise<FuzzOutcome> {
  const srv = await startFuzzServer();
  const begun = Date.now();
  try {
    const pools = await fuzzPools();
    const honest = await startHonestSubscriber(srv);
    const [frames, bodies] = await Promise.all([
      fuzzClientFrames(srv.url, pools, { count: o.frames, seed: o.seed }),
      fuzzApiBodies(srv.url, srv.apiKey, pools, { count: o.bodies, seed: o.seed }),
    ]);
    const honestReport = await honest.stop();
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
      honest: honestReport,
      aliveAfter: info.status === 200,
    };
  } finally {
    await srv.close();
  }
}
