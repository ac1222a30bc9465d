/** How long to wait before restarting a worker that died. */
export interface RestartBackoff {
  /** The delay for a worker that ran `uptimeMs` before dying; grows while it keeps dying young. */
  next(worker: number, uptimeMs: number): number;
}

/**
 * Doubling delays per worker, from `initialMs` up to `maxMs`, so that a worker
 * that cannot start (a broker down, a port taken) does not spin; a worker
 * that stayed up for `stableMs` starts over at `initialMs`.
 */
export function createRestartBackoff(initialMs = 500, maxMs = 30_000, stableMs = 30_000): RestartBackoff {
  const delays = new Map<number, number>();
  return {
    next(worker, uptimeMs) {
      const last = delays.get(worker);
      const delay = last === undefined || uptimeMs >= stableMs ? initialMs : Math.min(last * 2, maxMs);
      delays.set(worker, delay);
      return delay;
    },
  };
}
