import type { ClientSession } from "../../client/session.js";
import type { Disconnect } from "../../errors/disconnect.js";
import type { StreamResponse } from "../http/response-transport.js";

/**
 * The connections this node carries over HTTP responses, by session id: how
 * `/emulation` finds the connection a client's later commands belong to, and
 * what the server ends on shutdown before it stops waiting for responses.
 */
export function createSessionRegistry() {
  const sessions = new Map<string, ClientSession>();
  return {
    /** Keeps the session findable for as long as its response lasts. */
    track(session: ClientSession, res: StreamResponse): void {
      sessions.set(session.session, session);
      res.once("close", () => sessions.delete(session.session));
    },
    find(id: string): ClientSession | undefined {
      return sessions.get(id);
    },
    closeAll(disconnect: Disconnect): void {
      for (const session of [...sessions.values()]) session.close(disconnect);
    },
  };
}

export type SessionRegistry = ReturnType<typeof createSessionRegistry>;
