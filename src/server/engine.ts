import { createMemoryBroker } from "../broker/memory/memory-broker.js";
import type { Broker } from "../broker/types.js";
import type { Config } from "../config/schema.js";
import { createMemoryPresence } from "../presence/memory/memory-presence.js";
import type { PresenceManager } from "../presence/types.js";

/** The broker and presence manager the config asks for. */
export function createEngine(config: Config): { broker: Broker; presence: PresenceManager } {
  switch (config.engine.type) {
    case "memory":
      return { broker: createMemoryBroker(), presence: createMemoryPresence() };
  }
}
