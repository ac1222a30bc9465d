import type { PresenceManager } from "../../core/presence-manager.js";
import type { ClientInfo } from "../../core/publication.js";

/** Presence kept in this process, for the single-node memory engine. */
export function createMemoryPresence(): PresenceManager {
  const channels = new Map<string, Map<string, ClientInfo>>();

  return {
    async start() {},

    async addPresence(channel, clientId, info) {
      let members = channels.get(channel);
      if (!members) {
        members = new Map();
        channels.set(channel, members);
      }
      members.set(clientId, info);
    },

    async removePresence(channel, clientId) {
      const members = channels.get(channel);
      if (!members) return;
      members.delete(clientId);
      if (members.size === 0) channels.delete(channel);
    },

    async presence(channel) {
      return new Map(channels.get(channel));
    },

    async presenceStats(channel) {
      const members = channels.get(channel);
      if (!members) return { numClients: 0, numUsers: 0 };
      const users = new Set<string>();
      for (const info of members.values()) users.add(info.user);
      return { numClients: members.size, numUsers: users.size };
    },

    async close() {
      channels.clear();
    },
  };
}
