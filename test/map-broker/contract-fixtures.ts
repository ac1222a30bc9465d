import type { StreamPosition } from "../../src/core/publication.js";
import { RotorError } from "../../src/errors/rotor-error.js";
import type { MapBrokerEventHandler, MapChannelOptions, MapPublication } from "../../src/map-broker/types.js";
import { waitUntil } from "../helpers/redis-servers.js";

/** Channels by namespace: the mode and TTLs a test needs. Key TTLs are short so expiry is seen quickly. */
const namespaces: Record<string, MapChannelOptions> = {
  eph: { mode: "ephemeral", keyTtl: 60_000, streamSize: 0, streamTtl: 0, metaTtl: 0 },
  rec: { mode: "recoverable", keyTtl: 60_000, streamSize: 100, streamTtl: 60_000, metaTtl: 600_000 },
  per: { mode: "persistent", keyTtl: 0, streamSize: 100, streamTtl: 60_000, metaTtl: 0 },
  forever: { mode: "persistent", keyTtl: 0, streamSize: 100, streamTtl: 0, metaTtl: 0 },
  short: { mode: "recoverable", keyTtl: 300, streamSize: 100, streamTtl: 60_000, metaTtl: 600_000 },
  shorteph: { mode: "ephemeral", keyTtl: 300, streamSize: 0, streamTtl: 0, metaTtl: 0 },
};

/** The resolver every broker under test gets: a channel's namespace is the part before `:`. */
export const testChannels = (channel: string) => namespaces[channel.split(":")[0]!];

/** How often the brokers under test look for expired keys. */
export const testCleanupIntervalMs = 100;

export const bytes = (s: string) => new TextEncoder().encode(s);
export const text = (pub: MapPublication) => Buffer.from(pub.data).toString();
export const isUnrecoverable = (err: unknown) => err instanceof RotorError && err.code === 112;

export interface Delivery {
  channel: string;
  pub: MapPublication;
  position: StreamPosition;
  delta: boolean;
  prev?: MapPublication | undefined;
}

/** A handler recording what a broker delivers. */
export function recorder() {
  const received: Delivery[] = [];
  const gaps: string[][] = [];
  const handler: MapBrokerEventHandler = {
    onPublication: (channel, pub, position, delta, prev) =>
      received.push({ channel, pub, position, delta, prev }),
    onDeliveryGap: (channels) => gaps.push([...channels]),
  };
  return {
    handler,
    received,
    gaps,
    of: (channel: string) => received.filter((d) => d.channel === channel),
    async wait(channel: string, count: number) {
      await waitUntil(
        `${count} deliveries on ${channel}`,
        async () => received.filter((d) => d.channel === channel).length >= count,
        5000,
      );
      return received.filter((d) => d.channel === channel);
    },
  };
}
