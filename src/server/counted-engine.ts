import type { Broker, BrokerEventHandler, PublishResult } from "../core/broker.js";
import type { Controller } from "../core/controller.js";
import type { PresenceManager } from "../core/presence-manager.js";
import type { Publication, StreamPosition } from "../core/publication.js";
import type { MapBroker, MapBrokerEventHandler } from "../map-broker/types.js";
import type { BrokerMetrics } from "../metrics/broker-metrics.js";
import type { MapBrokerMetrics } from "../metrics/map-broker-metrics.js";
import type { NodeMetrics } from "../metrics/node-metrics.js";

/**
 * Counts each publication a broker (stream or map) hands the node, its
 * PUB/SUB lag, and how long its fan-out took.
 */
function countedPublications<P extends Publication>(
  deliver: (channel: string, pub: P, position: StreamPosition, delta: boolean, prev?: P) => void,
  m: NodeMetrics,
) {
  return (channel: string, pub: P, position: StreamPosition, delta: boolean, prev?: P): void => {
    m.received("publication");
    if (pub.time > 0) m.pubSubLag(Math.max(0, Date.now() - pub.time) / 1000);
    const started = performance.now();
    deliver(channel, pub, position, delta, prev);
    m.broadcast((performance.now() - started) / 1000);
  };
}

/** The node's side of the broker, counting what arrives and timing each publication's fan-out. */
function countedHandler(handler: BrokerEventHandler, m: NodeMetrics): BrokerEventHandler {
  return {
    onPublication: countedPublications(handler.onPublication.bind(handler), m),
    onJoin(channel, info) {
      m.received("join");
      handler.onJoin(channel, info);
    },
    onLeave(channel, info) {
      m.received("leave");
      handler.onLeave(channel, info);
    },
    onDeliveryGap(channels) {
      handler.onDeliveryGap(channels);
    },
  };
}

/**
 * A broker that reports to the node metrics what the node asks of it
 * (`messages_sent_count` by type, `action_count` for history and broker
 * subscriptions, `publish_suppressed_count` for stale versions) and what it
 * delivers, whichever engine is behind it: the
 * engines stay free of metrics, and every call is counted once, never per
 * subscriber.
 */
export function countedBroker(broker: Broker, m: NodeMetrics, b: BrokerMetrics): Broker {
  const countSuppressed = (result: PublishResult): PublishResult => {
    if (result.suppressed) b.suppressed("version");
    else if (result.repeated) b.suppressed("idempotency");
    return result;
  };
  return {
    start: (handler) => broker.start(countedHandler(handler, m)),
    publish(channel, data, options) {
      m.sent("publication");
      return broker.publish(channel, data, options).then(countSuppressed);
    },
    publishJoin(channel, info) {
      m.sent("join");
      return broker.publishJoin(channel, info);
    },
    publishLeave(channel, info) {
      m.sent("leave");
      return broker.publishLeave(channel, info);
    },
    subscribe(channels) {
      m.action("broker_subscribe", channels.length);
      return broker.subscribe(channels);
    },
    unsubscribe(channels) {
      m.action("broker_unsubscribe", channels.length);
      return broker.unsubscribe(channels);
    },
    history(channel, filter) {
      m.action("history");
      return broker.history(channel, filter);
    },
    removeHistory(channel) {
      m.action("history_remove");
      return broker.removeHistory(channel);
    },
    close: () => broker.close(),
  };
}

/** The node's side of the map broker: map changes arrive and fan out as publications do. */
function countedMapHandler(handler: MapBrokerEventHandler, m: NodeMetrics): MapBrokerEventHandler {
  return {
    onPublication: countedPublications(handler.onPublication.bind(handler), m),
    onDeliveryGap(channels) {
      handler.onDeliveryGap(channels);
    },
  };
}

/**
 * A map broker that reports what the node asks of it with Centrifugo's map
 * labels (`messages_sent_count` `map_publication` / `map_removal`,
 * `action_count` `map_*`), writes it suppressed by reason
 * (`map_broker_publish_suppressed_count`, `_remove_suppressed_count`) and
 * what it delivers, once per call, never per subscriber.
 */
export function countedMapBroker(maps: MapBroker, m: NodeMetrics, b: MapBrokerMetrics): MapBroker {
  return {
    start: (handler) => maps.start(countedMapHandler(handler, m)),
    async publish(channel, key, options) {
      m.sent("map_publication");
      m.action("map_publish");
      const result = await maps.publish(channel, key, options);
      if (result.suppressReason) b.publishSuppressed(result.suppressReason);
      return result;
    },
    async remove(channel, key, options) {
      m.sent("map_removal");
      m.action("map_remove");
      const result = await maps.remove(channel, key, options);
      if (result.suppressReason) b.removeSuppressed(result.suppressReason);
      return result;
    },
    readState(channel, request) {
      m.action("map_state_read");
      return maps.readState(channel, request);
    },
    readStream(channel, request) {
      m.action(request.limit === 0 ? "map_stream_position" : "map_stream_read");
      return maps.readStream(channel, request);
    },
    stats(channel) {
      m.action("map_stats");
      return maps.stats(channel);
    },
    clear(channel) {
      m.action("map_clear");
      return maps.clear(channel);
    },
    subscribe(channels) {
      m.action("map_broker_subscribe", channels.length);
      return maps.subscribe(channels);
    },
    unsubscribe(channels) {
      m.action("map_broker_unsubscribe", channels.length);
      return maps.unsubscribe(channels);
    },
    close: () => maps.close(),
  };
}

/** A presence manager that counts each call in `centrifugo_node_action_count`. */
export function countedPresence(presence: PresenceManager, m: NodeMetrics): PresenceManager {
  return {
    start: () => presence.start(),
    addPresence(channel, clientId, info) {
      m.action("add_presence");
      return presence.addPresence(channel, clientId, info);
    },
    removePresence(channel, clientId, user) {
      m.action("remove_presence");
      return presence.removePresence(channel, clientId, user);
    },
    presence(channel) {
      m.action("presence");
      return presence.presence(channel);
    },
    presenceStats(channel) {
      m.action("presence_stats");
      return presence.presenceStats(channel);
    },
    close: () => presence.close(),
  };
}

/** A controller that counts control messages sent and received in `messages_sent_count` / `messages_received_count`. */
export function countedController(controller: Controller, m: NodeMetrics): Controller {
  return {
    start: (nodeId, handler) =>
      controller.start(nodeId, (data) => {
        m.received("control");
        handler(data);
      }),
    publish(data) {
      m.sent("control");
      return controller.publish(data);
    },
    publishTo(nodeId, data) {
      m.sent("control");
      return controller.publishTo(nodeId, data);
    },
    close: () => controller.close(),
  };
}
