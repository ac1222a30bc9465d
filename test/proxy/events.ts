import type { Centrifuge } from "centrifuge";
import * as clients from "../helpers/centrifuge-clients.js";

/**
 * The client event waits with a longer patience than the shared helpers': the
 * proxy tests share the machine with the rest of the suite (and the load test
 * with its thousand connections), and what they assert is what arrives, not
 * how fast.
 */
const patience = 15_000;

type Emitter = Parameters<typeof clients.eventWhere>[0];

export function nextEvent<T = unknown>(
  emitter: { once(event: string, listener: (arg: T) => void): unknown },
  event: string,
  timeoutMs = patience,
): Promise<T> {
  return clients.nextEvent<T>(emitter, event, timeoutMs);
}

export function eventWhere<T = unknown>(
  emitter: Emitter,
  event: string,
  match: (arg: T) => boolean,
  timeoutMs = patience,
): Promise<T> {
  return clients.eventWhere<T>(emitter as never, event, match, timeoutMs);
}

/** Connects and resolves with the connected context. */
export function connected(client: Centrifuge): Promise<{ client: string; transport: string }> {
  const ready = nextEvent<{ client: string; transport: string }>(client, "connected");
  client.connect();
  return ready;
}
