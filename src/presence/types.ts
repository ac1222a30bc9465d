import type { ClientInfo } from "../broker/types.js";

export interface PresenceStats {
  readonly numClients: number;
  readonly numUsers: number;
}

/**
 * Who is in a channel. Entries are added when a client with presence enabled
 * subscribes, refreshed periodically, and removed when it leaves.
 */
export interface PresenceManager {
  addPresence(channel: string, clientId: string, info: ClientInfo): Promise<void>;
  removePresence(channel: string, clientId: string, user: string): Promise<void>;
  /** Client id → info of everyone present in the channel. */
  presence(channel: string): Promise<Map<string, ClientInfo>>;
  /** Clients and distinct users present (anonymous users count as one). */
  presenceStats(channel: string): Promise<PresenceStats>;
  close(): Promise<void>;
}
