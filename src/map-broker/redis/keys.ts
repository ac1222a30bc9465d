/**
 * Centrifugo's Redis names for a map channel (standalone, Sentinel and
 * client-side shards), so rotor and Centrifugo nodes read each other's maps.
 * They are plain concatenations, exactly as Centrifugo builds them: a
 * channel named `expire:foo` shares a key with the expiry index of `foo`.
 */
export function mapKeys(prefix: string) {
  const clientPrefix = `${prefix}.client.`;
  return {
    stream: (channel: string) => `${prefix}:stream:${channel}`,
    meta: (channel: string) => `${prefix}:meta:${channel}`,
    state: (channel: string) => `${prefix}:state:${channel}`,
    order: (channel: string) => `${prefix}:state:order:${channel}`,
    expire: (channel: string) => `${prefix}:state:expire:${channel}`,
    stateMeta: (channel: string) => `${prefix}:state:meta:${channel}`,
    result: (channel: string, key: string) => `${prefix}.result.${channel}.${key}`,
    /** One per shard: channels with keys to expire, scored by the earliest expiry (unix ms). */
    cleanup: `${prefix}:cleanup:channels`,
    pubSub: (channel: string) => clientPrefix + channel,
    /** The service channel each PUB/SUB connection subscribes first. */
    service: `${prefix}.shard.0`,
    /** The channel name from a PUB/SUB channel; undefined when it is not one of ours. */
    channelOf: (pubSub: string) =>
      pubSub.startsWith(clientPrefix) ? pubSub.slice(clientPrefix.length) : undefined,
  };
}

export type MapKeys = ReturnType<typeof mapKeys>;

/** The channel's keys in the order every map script takes them. */
export function scriptKeys(k: MapKeys, channel: string, idempotencyKey = ""): string[] {
  return [
    k.stream(channel),
    k.meta(channel),
    k.state(channel),
    k.order(channel),
    k.expire(channel),
    k.stateMeta(channel),
    k.cleanup,
    k.result(channel, idempotencyKey),
  ];
}
