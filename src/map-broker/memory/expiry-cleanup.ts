import { ExpiryQueue } from "../../broker/memory/expiry-queue.js";
import type { MapCleanupObserver } from "../types.js";

export interface MemoryExpiryHooks {
  readonly intervalMs: number;
  /**
   * Removes the key if it is due; returns its real (later) expiry to check
   * again then, or undefined when nothing is left to watch.
   */
  sweep(channel: string, key: string, now: number): number | undefined;
  /** Expires what else is kept for a limited time (channel meta, idempotency results). */
  sweepMeta(now: number): void;
  readonly observer?: MapCleanupObserver | undefined;
}

const separator = "\u0000";

/**
 * Removes expired map keys every interval. Each key sits in the queue at
 * most once; a key whose expiry moved later (a refresh) is re-queued when its
 * old deadline comes, so a sweep only ever visits keys that were due.
 */
export function createExpiryCleanup(hooks: MemoryExpiryHooks) {
  const queue = new ExpiryQueue();
  let timer: NodeJS.Timeout | undefined;

  function run(): void {
    const now = Date.now();
    hooks.observer?.lag(Math.max(0, now - (queue.earliest() ?? now)) / 1000);
    for (const id of queue.takeDue(now)) {
      const at = id.indexOf(separator);
      const channel = id.slice(0, at);
      const key = id.slice(at + 1);
      const next = hooks.sweep(channel, key, now);
      if (next !== undefined) queue.schedule(id, next);
    }
    hooks.sweepMeta(now);
  }

  return {
    schedule(channel: string, key: string, at: number): void {
      queue.schedule(channel + separator + key, at);
    },
    start(): void {
      timer ??= setInterval(run, hooks.intervalMs);
      timer.unref();
    },
    stop(): void {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
