import { availableParallelism } from "node:os";
import type { Config } from "../config/schema.js";
import { engineKinds, enginesWithRole } from "../core/engines.js";

/** How many workers to run, and what to warn about; or why they cannot run. */
export type WorkerPlan = { readonly count: number; readonly warnings: string[] } | { readonly error: string };

/**
 * Reads `server.workers` ("auto" = one per CPU) against the engine. Workers
 * are separate processes: only a shared broker (Redis, NATS, PostgreSQL)
 * and a shared control plane (the broker's own, or `controller`) make them
 * one server, so several workers on the memory broker, or on PostgreSQL
 * without its controller, are refused. Presence kept in memory stays per
 * worker, which is worth a warning.
 */
export function planWorkers(config: Config, cpus = availableParallelism()): WorkerPlan {
  const wanted = config.server.workers;
  const count = wanted === "auto" ? cpus : wanted;
  if (count <= 1) return { count: 1, warnings: [] };
  const { engine, broker, presence_manager: presence } = config;
  const brokerType = broker.enabled ? broker.type : engine.type;
  if (!engineKinds[brokerType].sharedByProcesses) {
    return {
      error:
        `server.workers asks for ${count} workers, but the engine is "${brokerType}": each worker would be a ` +
        "separate server, and clients on one would not see publications made on another. " +
        `Run them over a shared broker (${sharedChoices("broker").join(", or ")}), or run one worker.`,
    };
  }
  if (!config.controller.enabled && !engineKinds[brokerType].brokerControls) {
    return {
      error:
        `server.workers asks for ${count} workers, but broker.type "${brokerType}" carries no node-to-node ` +
        "commands: each worker would know only itself (Info, disconnects by user, surveys). " +
        `Add a controller (controller.enabled: true, controller.type: ${enginesWithRole("controller").join(" or ")}), or run one worker.`,
    };
  }
  const presenceType = presence.enabled ? presence.type : engine.type;
  const warnings = engineKinds[presenceType].sharedByProcesses
    ? []
    : [
        `presence is kept in ${presenceType}, so each worker knows only its own clients' presence: ` +
          `use ${sharedChoices("presence").join(" or ")} to share it`,
      ];
  return { count, warnings };
}

/**
 * The settings that put a role on an engine shared by processes, from the
 * registry: `engine.type "redis"`, `broker.type "nats"`, `presence_manager.type "redis"`.
 */
function sharedChoices(role: "broker" | "presence"): string[] {
  const key = role === "broker" ? "broker.type" : "presence_manager.type";
  return enginesWithRole(role)
    .filter((name) => engineKinds[name].sharedByProcesses)
    .flatMap((name) => {
      const whole = (engineKinds[name].roles as readonly string[]).includes("engine");
      const viaEngine = whole ? [`engine.type "${name}"`] : [];
      return role === "broker" && whole ? viaEngine : [...viaEngine, `${key} "${name}"`];
    });
}
