import { createMemoryBroker } from "../../src/broker/memory/memory-broker.js";
import { createMemoryController } from "../../src/controller/memory/memory-controller.js";
import type { Broker } from "../../src/core/broker.js";
import { createMemoryPresence } from "../../src/presence/memory/memory-presence.js";
import type { Engine } from "../../src/server/engine.js";

/**
 * The memory broker with its subscribe / unsubscribe / join / leave recorded
 * and, when a test says so, a subscribe held or a call failed: the
 * interleavings and outages an asynchronous broker (Redis, NATS) produces,
 * made deterministic.
 */
export function scriptedBroker() {
  const memory = createMemoryBroker();
  const calls: string[] = [];
  let hold: Promise<void> | undefined;
  const failing = new Set<string>();
  const failIf = (call: string) => {
    if (failing.delete(call)) throw new Error(`broker down (${call})`);
  };
  const broker: Broker = {
    ...memory,
    async subscribe(channels) {
      calls.push(`subscribe ${channels.join(",")}`);
      await hold;
      failIf("subscribe");
    },
    async unsubscribe(channels) {
      calls.push(`unsubscribe ${channels.join(",")}`);
    },
    async publish(channel, data, o) {
      failIf("publish");
      return memory.publish(channel, data, o);
    },
    async publishJoin(channel, info) {
      calls.push(`join ${channel} ${info.client}`);
      return memory.publishJoin(channel, info);
    },
    async publishLeave(channel, info) {
      calls.push(`leave ${channel} ${info.client}`);
      return memory.publishLeave(channel, info);
    },
  };
  return {
    broker,
    calls,
    /** Holds every broker subscribe until the returned function is called. */
    holdSubscribes() {
      let release!: () => void;
      hold = new Promise((resolve) => {
        release = resolve;
      });
      return () => {
        hold = undefined;
        release();
      };
    },
    /** Makes the next call of this kind fail as a broker that lost its connection does. */
    failNext(call: "subscribe" | "publish") {
      failing.add(call);
    },
    /** A whole engine around it, for a test server: memory presence and controller. */
    engine(): Engine {
      return { broker, presence: createMemoryPresence(), controller: createMemoryController() };
    },
  };
}
