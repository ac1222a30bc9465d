import { performance } from "node:perf_hooks";
import type { Logger } from "pino";

/** How often the event loop's load is looked at, and under which share of busy time it counts as idle. */
const checkEveryMs = 500;
const idleBelow = 0.05;
/** A server busy for this long from the start is left alone: its traffic makes it collect by itself. */
const giveUpAfterMs = 60_000;

/**
 * Gives back the memory start-up leaves behind, once, when the server is
 * first idle. Loading the configuration (its zod schemas and their compiled
 * parsers) and building the server leave megabytes of garbage and half-empty
 * heap pages that an idle server never collects: without allocation there is
 * no garbage collection, and an ordinary one does not compact or release
 * pages. A low-memory notification (the inspector's collectGarbage, in
 * process: no port is opened) runs full, compacting collections that free
 * them and return the pages: an idle default server holds ~13 MB less RSS.
 * It blocks the loop for the length of a few full collections (~0.05–0.3 s),
 * so it waits for a second in which the loop was at most 5% busy, and gives
 * up if the first minute never has one (a busy server collects by itself).
 * Done once per process by the command line, not by `startRotorServer` (an
 * embedding process owns its own heap).
 */
export function releaseStartUpMemory(log: Logger): void {
  const started = performance.now();
  let last = performance.eventLoopUtilization();
  const check = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    if (busy >= idleBelow && performance.now() - started < giveUpAfterMs) return;
    clearInterval(check);
    if (busy < idleBelow) void collect(log);
  }, checkEveryMs);
  check.unref();
}

async function collect(log: Logger): Promise<void> {
  let inspector: typeof import("node:inspector");
  try {
    inspector = await import("node:inspector");
  } catch {
    return; // a Node built without the inspector: nothing to ask
  }
  const before = process.memoryUsage.rss();
  const begun = performance.now();
  const session = new inspector.Session();
  session.connect();
  session.post("HeapProfiler.collectGarbage", (err) => {
    // Disconnecting from within the reply's callback deadlocks Node 20's in-process session.
    setImmediate(() => session.disconnect());
    const mb = (bytes: number) => Math.round(bytes / 2 ** 17) / 8;
    if (err) log.debug({ err }, "start-up memory not released");
    else
      log.debug(
        { rssMb: [mb(before), mb(process.memoryUsage.rss())], ms: Math.round(performance.now() - begun) },
        "start-up memory released",
      );
  });
}
