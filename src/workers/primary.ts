import cluster, { type Worker } from "node:cluster";
import type { Logger } from "pino";
import { guardHandoffs } from "./handoff-guard.js";
import { createRestartBackoff, type RestartBackoff } from "./restart-backoff.js";
import { answerRole } from "./worker-role.js";

/** What the primary process needs to run its workers. */
export interface PrimaryOptions {
  readonly count: number;
  /** `shutdown.timeout`: each worker's own budget; the primary waits a little longer, then kills. */
  readonly shutdownTimeoutMs: number;
  /** The API key generated for this run when none is configured, handed to every worker. */
  readonly apiKey?: string | undefined;
  readonly log: Logger;
  readonly backoff?: RestartBackoff;
}

/** Past `shutdown.timeout`, how long the primary still waits for workers that exit on their own timeout. */
const killGraceMs = 2000;

/**
 * The primary of `rotor --workers N`: forks N workers that share its
 * listening ports (node:cluster hands each accepted connection to one of
 * them; one in transit to a worker that dies is closed, not stranded),
 * restarts a worker that dies (after a growing delay, so a crash loop does
 * not spin), and on SIGINT/SIGTERM asks every worker to shut down gracefully
 * and exits once they all have: 0 when each exited cleanly.
 */
export function runPrimary(o: PrimaryOptions): void {
  const live = new Map<number, Worker>();
  const restarts = new Set<NodeJS.Timeout>();
  const backoff = o.backoff ?? createRestartBackoff();
  let stopping = false;
  let exitCode = 0;

  const fork = (number: number, announce: boolean) => {
    const worker = cluster.fork();
    guardHandoffs(worker);
    const startedAt = Date.now();
    answerRole(worker, { number, count: o.count, announce, apiKey: o.apiKey });
    live.set(number, worker);
    worker.on("exit", (code, signal) => {
      live.delete(number);
      if (stopping) {
        // A worker signalled before it set up its handlers had nothing to drain.
        if (code !== 0 && signal !== "SIGTERM") exitCode = 1;
        if (live.size === 0) process.exit(exitCode);
        return;
      }
      const delay = backoff.next(number, Date.now() - startedAt);
      o.log.error(
        { worker: number, pid: worker.process.pid, code, signal, restartInMs: delay },
        "worker exited unexpectedly: restarting it",
      );
      const timer = setTimeout(() => {
        restarts.delete(timer);
        fork(number, false);
      }, delay);
      restarts.add(timer);
    });
  };

  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    for (const timer of restarts) clearTimeout(timer);
    o.log.info({ signal, workers: live.size }, "shutting down every worker");
    if (live.size === 0) process.exit(0);
    for (const worker of live.values()) worker.process.kill("SIGTERM");
    const force = setTimeout(() => {
      o.log.error({ workers: [...live.keys()] }, "shutdown timeout reached: killing the workers left");
      for (const worker of live.values()) worker.process.kill("SIGKILL");
      process.exit(1);
    }, o.shutdownTimeoutMs + killGraceMs);
    force.unref();
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));

  o.log.info({ pid: process.pid, workers: o.count }, `starting ${o.count} workers`);
  for (let number = 1; number <= o.count; number++) fork(number, number === 1);
}
