import type { ClientMetrics } from "./client-metrics.js";

/** A connection as the tally sees it: which transport it uses. */
interface Connection {
  readonly transport: { readonly name: string };
}

const frameTypes = { publication: "push_publication", join: "push_join", leave: "push_leave" } as const;

/**
 * Counts what the hub fans out without touching the per-subscriber loop: it
 * keeps, per channel, how many subscribers each transport has (updated on
 * subscribe and unsubscribe), and on each broadcast adds those counts to
 * `centrifugo_transport_messages_sent` — a few increments per broadcast,
 * whatever the number of subscribers. A subscriber that skips a message
 * (a gap it must resubscribe for, join/leave it did not ask for) is still
 * counted: the figure is messages handed to the transport's subscribers.
 * Publications a subscriber's tags filter rejected are counted per broadcast too.
 */
export function createChannelTally(client: ClientMetrics) {
  const channels = new Map<string, Map<string, number>>();
  return {
    subscribed(channel: string, connection: Connection): void {
      let byTransport = channels.get(channel);
      if (!byTransport) {
        byTransport = new Map();
        channels.set(channel, byTransport);
      }
      const name = connection.transport.name;
      byTransport.set(name, (byTransport.get(name) ?? 0) + 1);
      client.subscribed(connection);
    },
    unsubscribed(channel: string, connection: Connection): void {
      const byTransport = channels.get(channel);
      const name = connection.transport.name;
      const left = (byTransport?.get(name) ?? 0) - 1;
      if (left > 0) byTransport!.set(name, left);
      else byTransport?.delete(name);
      if (byTransport?.size === 0) channels.delete(channel);
      client.unsubscribed(connection);
    },
    broadcast(channel: string, kind: keyof typeof frameTypes, filteredOut: number): void {
      if (filteredOut > 0) client.tagsFilterDropped(filteredOut);
      const byTransport = channels.get(channel);
      if (!byTransport) return;
      for (const [transport, count] of byTransport) client.broadcastSent(transport, frameTypes[kind], count);
    },
  };
}
