import type { ClientInfo } from "./publication.js";

export interface PresenceStats {
  readonly numClients: number;
  readonly numUsers: number;
}

/**
 * Who is in a channel. Entries are added when a client with presence enabled
 * subscribes, added again every `client.presence_update_interval` while it
 * stays, and removed when it leaves. A shared manager (Redis) lets entries
 * expire when they stop being refreshed, so a crashed node leaves no ghosts.
 */
export interface PresenceManager {
  /** Connects whatever holds the entries; resolves when presence calls can be served. */
  start(): Promise<void>;
  /** Adds or refreshes one connection's entry. */
  addPresence(channel: string, clientId: string, info: ClientInfo): Promise<void>;
  removePresence(channel: string, clientId: string, user: string): Promise<void>;
  /** Client id → info of everyone present in the channel. */
  presence(channel: string): Promise<Map<string, ClientInfo>>;
  /** Clients and distinct users present (anonymous users count as one). */
  presenceStats(channel: string): Promise<PresenceStats>;
  close(): Promise<void>;
}
