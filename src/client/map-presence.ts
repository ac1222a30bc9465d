import { logFailure } from "../lifecycle/background.js";
import type { Connection } from "./connection.js";
import type { Subscription } from "./subscription.js";

const noData = new Uint8Array(0);

/** Each live subscription's latest presence write, so its removal follows it rather than racing it. */
const written = new WeakMap<Subscription, Promise<void>>();

/** The namespace's presence prefixes for a subscription's channel ("" where the namespace has none). */
function prefixes(s: Connection, channel: string) {
  const options = s.ctx.node.rules.resolve(channel)?.options;
  return {
    clients: options?.map_clients_presence_channel_prefix ?? "",
    users: options?.map_users_presence_channel_prefix ?? "",
  };
}

/**
 * Puts a subscriber into the map presence channels its namespace names:
 * key = client ID, with its ClientInfo, into `map_clients_presence_channel_prefix`
 * + channel; key = user ID, no data, into `map_users_presence_channel_prefix`
 * + channel (anonymous users are left out). Writes are `if_new` with the TTL
 * refreshed when suppressed, so repeating one keeps the entry alive without
 * a publication: called when the subscription goes live and on every upkeep.
 * Never rejects: a failed write is logged, and the next upkeep writes again.
 */
export function writeMapPresence(s: Connection, sub: Subscription): Promise<void> {
  const { clients, users } = prefixes(s, sub.channel);
  if (sub.phase === "closed" || (clients === "" && users === "")) return Promise.resolve();
  const { maps } = s.ctx.node;
  const keepAlive = { data: noData, keyMode: "if_new", refreshTtlOnSuppress: true } as const;
  const writes: Promise<unknown>[] = [];
  if (clients !== "")
    writes.push(maps.publish(clients + sub.channel, s.id, { ...keepAlive, info: sub.info }));
  if (users !== "" && s.user !== "") writes.push(maps.publish(users + sub.channel, s.user, keepAlive));
  const context = { channel: sub.channel, client: s.id };
  const done = Promise.all(writes).then(
    () => {},
    (err: unknown) => logFailure(s.ctx.log, "map presence write", err, context),
  );
  written.set(sub, done);
  return done;
}

/**
 * Takes a closed subscription's client entry out of the map clients presence
 * channel at once (subscribers see the removal). The user entry stays until
 * its key_ttl: a user who comes back soon never appears to leave.
 */
export async function removeMapPresence(s: Connection, sub: Subscription): Promise<void> {
  const pending = written.get(sub);
  if (!pending) return;
  written.delete(sub);
  await pending;
  const { clients } = prefixes(s, sub.channel);
  if (clients === "") return;
  await s.ctx.node.maps
    .remove(clients + sub.channel, s.id, {})
    .catch((err: unknown) => logFailure(s.ctx.log, "map presence removal", err, { channel: sub.channel }));
}
