import { nowMs } from "../lib/clock.js";

/** How a run of `count` tasks went: wall time, failures and the first failure's message. */
export interface InFlightResult {
  readonly ms: number;
  readonly failed: number;
  readonly firstError: string;
}

/**
 * Runs `task(0)` … `task(count - 1)` with `inFlight` of them at a time, each
 * next one started as soon as one settles; failures are counted, not thrown.
 */
export async function runInFlight(
  count: number,
  inFlight: number,
  task: (i: number) => Promise<void>,
): Promise<InFlightResult> {
  let next = 0;
  let failed = 0;
  let firstError = "";
  const started = nowMs();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      try {
        await task(i);
      } catch (err) {
        failed += 1;
        firstError ||= String((err as Error).message ?? err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker));
  return { ms: nowMs() - started, failed, firstError };
}
