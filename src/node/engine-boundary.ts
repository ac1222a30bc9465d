import type { Logger } from "pino";
import type { Broker } from "../core/broker.js";
import type { Controller } from "../core/controller.js";
import type { PresenceManager } from "../core/presence-manager.js";
import { EngineError } from "../errors/engine-error.js";
import { RotorError } from "../errors/rotor-error.js";
import { OncePerCause } from "../lifecycle/log-limits.js";
import type { MapBroker } from "../map-broker/types.js";

/**
 * Where the engine meets the node. Every rejection of a broker, map broker,
 * presence manager or controller call becomes an EngineError (100, temporary, with
 * its cause) that callers map by rule; the cause is logged once per
 * distinct call and message until an engine call succeeds again, so an
 * outage is a few lines, not one per command. An engine's deliberate
 * refusal (a RotorError: NATS keeps no history) passes unchanged.
 */
export function createEngineBoundary(log: Logger) {
  const logged = new OncePerCause();
  let failing = false;
  function guard<T>(call: string, work: Promise<T>): Promise<T> {
    return work.then(
      (value) => {
        if (failing) {
          failing = false;
          logged.reset();
        }
        return value;
      },
      (err: unknown) => {
        if (err instanceof RotorError) throw err;
        failing = true;
        const error = err instanceof Error ? err.message : String(err);
        if (logged.first(call, error)) log.error({ call, error }, "engine call failed");
        throw new EngineError(call, err);
      },
    );
  }

  return {
    broker(b: Broker): Broker {
      return {
        start: (handler) => guard("broker start", b.start(handler)),
        publish: (channel, data, o) => guard("broker publish", b.publish(channel, data, o)),
        publishJoin: (channel, info) => guard("broker join publish", b.publishJoin(channel, info)),
        publishLeave: (channel, info) => guard("broker leave publish", b.publishLeave(channel, info)),
        subscribe: (channels) => guard("broker subscribe", b.subscribe(channels)),
        unsubscribe: (channels) => guard("broker unsubscribe", b.unsubscribe(channels)),
        history: (channel, filter) => guard("broker history", b.history(channel, filter)),
        removeHistory: (channel) => guard("broker history removal", b.removeHistory(channel)),
        close: () => b.close(),
      };
    },
    mapBroker(m: MapBroker): MapBroker {
      return {
        start: (handler) => guard("map broker start", m.start(handler)),
        publish: (channel, key, o) => guard("map publish", m.publish(channel, key, o)),
        remove: (channel, key, o) => guard("map remove", m.remove(channel, key, o)),
        readState: (channel, r) => guard("map state read", m.readState(channel, r)),
        readStream: (channel, r) => guard("map stream read", m.readStream(channel, r)),
        stats: (channel) => guard("map stats", m.stats(channel)),
        clear: (channel) => guard("map clear", m.clear(channel)),
        subscribe: (channels) => guard("map broker subscribe", m.subscribe(channels)),
        unsubscribe: (channels) => guard("map broker unsubscribe", m.unsubscribe(channels)),
        close: () => m.close(),
      };
    },
    presence(p: PresenceManager): PresenceManager {
      return {
        start: () => guard("presence start", p.start()),
        addPresence: (channel, client, info) => guard("presence add", p.addPresence(channel, client, info)),
        removePresence: (channel, client, user) =>
          guard("presence removal", p.removePresence(channel, client, user)),
        presence: (channel) => guard("presence", p.presence(channel)),
        presenceStats: (channel) => guard("presence stats", p.presenceStats(channel)),
        close: () => p.close(),
      };
    },
    controller(c: Controller): Controller {
      return {
        start: (nodeId, handler) => guard("controller start", c.start(nodeId, handler)),
        publish: (data) => guard("controller publish", c.publish(data)),
        publishTo: (nodeId, data) => guard("controller publish", c.publishTo(nodeId, data)),
        close: () => c.close(),
      };
    },
  };
}
