/**
 * Centrifugo's Redis names for a channel's data, so rotor and Centrifugo
 * nodes share one Redis: in a Redis Cluster the channel is wrapped in `{}`
 * so all of a channel's keys (and its PUB/SUB channel) hash to one slot.
 */
export function brokerKeys(prefix: string, cluster: boolean) {
  const tag = cluster ? (channel: string) => `{${channel}}` : (channel: string) => channel;
  const clientPrefix = `${prefix}.client.`;
  return {
    stream: (channel: string) => `${prefix}.stream.${tag(channel)}`,
    meta: (channel: string) => `${prefix}.stream.meta.${tag(channel)}`,
    result: (channel: string, key: string) => `${prefix}.result.${tag(channel)}.${key}`,
    pubSub: (channel: string) => clientPrefix + tag(channel),
    /** The service channel each PUB/SUB connection subscribes first. */
    service: `${prefix}.shard.0`,
    /** The channel name from a PUB/SUB channel; undefined when it is not one of ours. */
    channelOf(pubSub: string): string | undefined {
      if (!pubSub.startsWith(clientPrefix)) return undefined;
      const rest = pubSub.slice(clientPrefix.length);
      if (!cluster) return rest;
      return rest.startsWith("{") && rest.endsWith("}") ? rest.slice(1, -1) : undefined;
    },
  };
}

export type BrokerKeys = ReturnType<typeof brokerKeys>;
