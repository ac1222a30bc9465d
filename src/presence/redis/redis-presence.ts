import { decodeClientInfo, encodeClientInfo } from "../../broker/publication-codec.js";
import type { PresenceManager } from "../../core/presence-manager.js";
import type { ClientInfo } from "../../core/publication.js";
import type { RedisShards } from "../../redis/redis-shards.js";
import { presenceKeys } from "./keys.js";
import { presenceAdd, presenceGet, presenceRemove, presenceStats } from "./scripts.js";

export interface RedisPresenceOptions {
  /** How long an entry lives without a refresh (ms). */
  readonly ttl: number;
  /** Keep per-user counters so presence_stats is two HLENs instead of reading every entry. */
  readonly userMapping: boolean;
}

const nowSeconds = () => String(Math.floor(Date.now() / 1000));

/**
 * Presence in Redis with Centrifugo's keys and scripts: a hash of entries
 * and a sorted set of their expiry times per channel. Entries that stop
 * being refreshed (their node crashed) are dropped by the next read, and the
 * keys themselves expire `presence_ttl` after the last refresh.
 */
export function createRedisPresence(shards: RedisShards, o: RedisPresenceOptions): PresenceManager {
  const keysFor = (channel: string) => {
    const shard = shards.forChannel(channel);
    const k = presenceKeys(shards.prefix, shard.cluster)(channel);
    return { command: shard.command, k };
  };
  const ttl = Math.max(1, Math.ceil(o.ttl / 1000));
  const mapping = o.userMapping ? "1" : "0";
  async function presence(channel: string): Promise<Map<string, ClientInfo>> {
    const { command, k } = keysFor(channel);
    const flat = (await presenceGet.run(command, [k.expire, k.data], [nowSeconds(), "0"])) as Buffer[];
    const out = new Map<string, ClientInfo>();
    for (let i = 0; i + 1 < flat.length; i += 2) out.set(flat[i]!.toString(), decodeClientInfo(flat[i + 1]!));
    return out;
  }

  return {
    start() {
      return shards.connect();
    },

    async addPresence(channel, clientId, info: ClientInfo) {
      const { command, k } = keysFor(channel);
      const expireAt = String(Math.floor(Date.now() / 1000) + ttl);
      await presenceAdd.run(
        command,
        [k.expire, k.data, k.userExpire, k.userClients],
        [String(ttl), expireAt, clientId, encodeClientInfo(info), info.user, mapping, "0"],
      );
    },

    async removePresence(channel, clientId, user) {
      const { command, k } = keysFor(channel);
      await presenceRemove.run(
        command,
        [k.expire, k.data, k.userExpire, k.userClients],
        [clientId, user, mapping, "0"],
      );
    },

    presence,

    async presenceStats(channel) {
      if (o.userMapping) {
        const { command, k } = keysFor(channel);
        const [clients, users] = (await presenceStats.run(
          command,
          [k.expire, k.data, k.userExpire, k.userClients],
          [nowSeconds(), "0"],
        )) as [number, number];
        return { numClients: Number(clients), numUsers: Number(users) };
      }
      const members = await presence(channel);
      const users = new Set<string>();
      for (const info of members.values()) users.add(info.user);
      return { numClients: members.size, numUsers: users.size };
    },

    async close() {
      shards.release();
    },
  };
}
