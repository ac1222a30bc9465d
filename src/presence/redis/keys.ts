/** Centrifugo's Redis keys for a channel's presence (hash-tagged in a Redis Cluster). */
export function presenceKeys(prefix: string, cluster: boolean) {
  const tag = cluster ? (channel: string) => `{${channel}}` : (channel: string) => channel;
  return (channel: string) => ({
    /** client id → expire-at (Unix seconds) */
    expire: `${prefix}.presence.expire.${tag(channel)}`,
    /** client id → ClientInfo protobuf */
    data: `${prefix}.presence.data.${tag(channel)}`,
    /** user id → expire-at, with user mapping */
    userExpire: `${prefix}.presence.user.expire.${tag(channel)}`,
    /** user id → number of connections, with user mapping */
    userClients: `${prefix}.presence.user.clients.${tag(channel)}`,
  });
}
