import type { Logger } from "pino";
import { createMemoryBroker } from "../broker/memory/memory-broker.js";
import type { Broker } from "../broker/types.js";
import type { Config } from "../config/schema.js";
import { createMemoryController } from "../controller/memory/memory-controller.js";
import type { Controller } from "../controller/types.js";
import { createMemoryPresence } from "../presence/memory/memory-presence.js";
import type { PresenceManager } from "../presence/types.js";

/** The three parts a node runs on: publications and history, presence, node-to-node control. */
export interface Engine {
  readonly broker: Broker;
  readonly presence: PresenceManager;
  /** Comes with the broker: the nodes that share a broker are the ones to talk to. */
  readonly controller: Controller;
}

/** The broker, presence manager and controller the config asks for. */
export function createEngine(config: Config, _log: Logger): Engine {
  switch (config.engine.type) {
    case "memory":
      return {
        broker: createMemoryBroker(),
        presence: createMemoryPresence(),
        controller: createMemoryController(),
      };
  }
}
