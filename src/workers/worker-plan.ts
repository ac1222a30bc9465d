import { availableParallelism } from "node:os";
import type { Config } from "../config/schema.js";

/** How many workers to run, and what to warn about; or why they cannot run. */
export type WorkerPlan = { readonly count: number; readonly warnings: string[] } | { readonly error: string };

/**
 * Reads `server.workers` ("auto" = one per CPU) against the engine. Workers
 * are separate processes: only a shared broker (Redis, NATS) makes them one
 * server, so several workers on the memory broker are refused. Presence kept
 * in memory stays per worker, which is worth a warning.
 */
export function planWorkers(config: Config, cpus = availableParallelism()): WorkerPlan {
  const wanted = config.server.workers;
  const count = wanted === "auto" ? cpus : wanted;
  if (count <= 1) return { count: 1, warnings: [] };
  const { engine, broker, presence_manager: presence } = config;
  const brokerType = broker.enabled ? broker.type : engine.type;
  if (brokerType === "memory") {
    return {
      error:
        `server.workers asks for ${count} workers, but the engine is "memory": each worker would be a ` +
        "separate server, and clients on one would not see publications made on another. " +
        'Run them over a shared broker (engine.type "redis", or broker.type "nats"), or run one worker.',
    };
  }
  const presenceType = presence.enabled ? presence.type : engine.type;
  const warnings =
    presenceType === "memory"
      ? [
          "presence is kept in memory, so each worker knows only its own clients' presence: " +
            'use engine.type "redis" or presence_manager.type "redis" to share it',
        ]
      : [];
  return { count, warnings };
}
