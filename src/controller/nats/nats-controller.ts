import type { Subscription } from "@nats-io/transport-node";
import type { Controller } from "../../core/controller.js";
import type { NatsClient } from "../../nats/nats-client.js";

/**
 * Control messages over NATS, on Centrifugo's subjects: `<prefix>.control`
 * for every node and `<prefix>.node.<uid>` for one, the controlpb bytes as
 * the message data (the same bytes the Redis controller publishes). NATS
 * hands a node its own broadcasts too; the node drops them by uid.
 */
export function createNatsController(client: NatsClient): Controller {
  const broadcast = `${client.prefix}.control`;
  const direct = (nodeId: string) => `${client.prefix}.node.${nodeId}`;
  const subscriptions: Subscription[] = [];

  return {
    async start(nodeId, handler) {
      await client.connect();
      for (const subject of [broadcast, direct(nodeId)]) {
        subscriptions.push(client.subscribe(subject, (data) => handler(data)));
      }
      await client.flush();
    },

    async publish(data) {
      client.publish(broadcast, data);
    },

    async publishTo(nodeId, data) {
      client.publish(direct(nodeId), data);
    },

    async close() {
      for (const subscription of subscriptions.splice(0)) subscription.unsubscribe();
      await client.release();
    },
  };
}
