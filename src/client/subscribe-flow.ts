import type { MessageInitShape } from "@bufbuild/protobuf";
import type { SubscribeResultSchema } from "../../gen/centrifugal/centrifuge/protocol/client_pb.js";
import type { StreamPosition } from "../core/publication.js";
import { errors } from "../errors/rotor-error.js";
import { background, logFailure } from "../lifecycle/background.js";
import type { Connection } from "./connection.js";
import { removeMapPresence, writeMapPresence } from "./map-presence.js";
import { recover, recoverLatest } from "./recovery.js";
import { releaseSharedPoll } from "./shared-poll-subscription.js";
import { Subscription, type SubscriptionOptions } from "./subscription.js";
import type { Reservation } from "./subscription-registry.js";
import { ttlUntil, wirePublication } from "./wire.js";

export interface SubscribeParams extends SubscriptionOptions {
  /** The client's last known position, when it asks to recover. */
  readonly recoverSince?: StreamPosition | undefined;
  /** Answer 112 instead of `recovered: false` (subscribe flag bit 2). */
  readonly rejectUnrecovered: boolean;
  /** `force_recovery_mode: "cache"`: recovering returns only the latest publication. */
  readonly cacheRecovery: boolean;
  /** `auto_cache_recover`: with cache recovery, a subscribe that does not ask to recover still gets the latest publication. */
  readonly autoCacheRecover?: boolean;
  readonly expireAt: number;
  /** Sent to the client in the result (from the subscription token or the API). */
  readonly data?: Uint8Array | undefined;
}

export interface Subscribed {
  readonly result: MessageInitShape<typeof SubscribeResultSchema>;
  /** Goes live; call right after the result was queued, so it precedes every publication. */
  commit(): void;
}

/**
 * Subscribes a connection to reserved channels: registers them with the
 * node first, all at once (so live publications are buffered, not lost, and
 * new channels cost one broker subscribe together), then for each adds
 * presence and works out the stream position or recovers missed publications
 * from history. If any channel fails, none stays subscribed. When the
 * connection ends meanwhile, what was reached is undone and the result is
 * undefined; a subscription closed by an unsubscribe meanwhile fails the
 * subscribe with a temporary 100.
 */
export async function subscribeChannels(
  s: Connection,
  requests: readonly (readonly [Reservation, SubscribeParams])[],
  settleWith: Settle = settle,
): Promise<Subscribed[] | undefined> {
  const subs: Subscription[] = [];
  for (const [reservation, p] of requests) {
    const sub = new Subscription(s, reservation.channel, p);
    sub.expireAt = p.expireAt;
    if (!s.subscriptions.fill(reservation, sub)) return abandon(s, subs);
    subs.push(sub);
  }
  try {
    await s.ctx.node.addSubscribers(subs);
  } catch (err) {
    for (const sub of subs) s.subscriptions.remove(sub);
    throw err;
  }
  for (const sub of subs) sub.reached.hub = true;
  if (subs.some(isClosed)) return abandon(s, subs);
  const settled = await Promise.allSettled(subs.map((sub, i) => settleWith(s, sub, requests[i]![1])));
  const failed = settled.find((r) => r.status === "rejected");
  if (failed) {
    await Promise.all(subs.map((sub) => close(s, sub)));
    throw failed.reason;
  }
  if (subs.some(isClosed)) return abandon(s, subs);
  return settled.map((r) => (r as PromiseFulfilledResult<Subscribed>).value);
}

/** Subscribes a connection to one reserved channel (see subscribeChannels). */
export async function subscribeChannel(
  s: Connection,
  reservation: Reservation,
  p: SubscribeParams,
  settleWith: Settle = settle,
): Promise<Subscribed | undefined> {
  return (await subscribeChannels(s, [[reservation, p]], settleWith))?.[0];
}

/**
 * Works out a registered subscription's start (presence, position, what it
 * missed) while its live publications are buffered: a channel stream's from
 * history, a map's from its stream.
 */
export type Settle = (s: Connection, sub: Subscription, p: SubscribeParams) => Promise<Subscribed>;

const isClosed = (sub: Subscription) => sub.phase === "closed";

/** Closes a batch one of whose subscriptions closed before going live, undoing what each reached. */
async function abandon(s: Connection, subs: readonly Subscription[]): Promise<undefined> {
  await Promise.all(subs.map((sub) => close(s, sub)));
  if (!s.closed) throw errors.internal();
  return undefined;
}

/** Where a client that never saw the channel stands: before every publication. */
const nothingSeen: StreamPosition = { offset: 0, epoch: "" };

async function settle(s: Connection, sub: Subscription, p: SubscribeParams): Promise<Subscribed> {
  const { node, config } = s.ctx;
  const channel = sub.channel;
  await enterPresence(s, sub, p);
  let position: StreamPosition = { offset: 0, epoch: "" };
  let recovered = false;
  let publications: MessageInitShape<typeof SubscribeResultSchema>["publications"] = [];
  let resultOffset = 0;
  /** Offset of the last publication the reply hands over in full (-1 none), base of the next delta. */
  let deltaBase = -1;
  const recoverSince = p.recoverSince ?? (p.cacheRecovery && p.autoCacheRecover ? nothingSeen : undefined);
  if (p.positioned || p.recoverable) {
    if (p.recoverable && recoverSince) {
      const max = config.client.recovery_max_publication_limit;
      const since = recoverSince;
      const cache = p.cacheRecovery;
      const filter = p.tagsFilter;
      const limit = max > 0 ? max : -1;
      const history = await node.history(
        channel,
        cache
          ? { limit: filter ? limit : 1, reverse: true }
          : { since: { offset: since.offset, epoch: "" }, limit, reverse: false },
      );
      const outcome = cache ? recoverLatest(since, history, filter) : recover(since, history, filter);
      if (!outcome.recovered && p.rejectUnrecovered) throw errors.unrecoverablePosition();
      recovered = outcome.recovered;
      s.ctx.metrics.client.recover(recovered, outcome.publications.length);
      position = history.position;
      resultOffset = outcome.position.offset;
      publications = outcome.publications.map((pub) => wirePublication(s, pub, p.delta));
      deltaBase = outcome.publications.at(-1)?.offset ?? -1;
    } else {
      position = (await node.history(channel, { limit: 0, reverse: false })).position;
      resultOffset = position.offset;
    }
  }
  const result: MessageInitShape<typeof SubscribeResultSchema> = {
    // A subscription the sub_refresh proxy refreshes does not ask the client for tokens.
    expires: p.expireAt > 0 && !p.refreshedByServer,
    ttl: p.expireAt > 0 && !p.refreshedByServer ? ttlUntil(p.expireAt) : 0,
    recoverable: p.recoverable,
    positioned: p.positioned || p.recoverable,
    epoch: position.epoch,
    offset: BigInt(resultOffset),
    recovered,
    wasRecovering: recoverSince !== undefined && p.recoverable,
    publications,
    data: p.data,
    delta: p.delta,
  };
  return {
    result,
    commit: () => goLive(s, sub, p, position, recovered ? deltaBase : -1),
  };
}

/** The first step of settling: the subscription enters channel presence when its options say so. */
export async function enterPresence(s: Connection, sub: Subscription, p: SubscribeParams): Promise<void> {
  if (sub.phase === "registering") sub.phase = "settling";
  if (!p.presence) return;
  await s.ctx.node.addPresence(sub.channel, s.id, sub.info);
  sub.reached.presence = true;
}

/** Commits a settled subscription at `position`: it delivers from there on, and its join is published. */
export function goLive(
  s: Connection,
  sub: Subscription,
  p: SubscribeParams,
  position: StreamPosition,
  deltaBase: number,
): void {
  if (sub.phase !== "settling") return;
  sub.phase = "live";
  sub.activate(position, deltaBase);
  background(s.ctx.log, "map presence write", writeMapPresence(s, sub));
  if (!p.emitJoinLeave) return;
  sub.reached.join = true;
  const channel = sub.channel;
  background(s.ctx.log, "join publish", s.ctx.node.publishJoin(channel, sub.info), { channel });
}

/** Ends a subscription, server-initiated with `why` (the client is told). */
export async function unsubscribeChannel(
  s: Connection,
  channel: string,
  why?: { readonly code: number; readonly reason: string },
): Promise<void> {
  const sub = s.subscriptions.get(channel);
  if (!sub) return;
  if (why) s.push({ channel, unsubscribe: { code: why.code, reason: why.reason } });
  await close(s, sub);
}

/** Leaves every channel when the connection goes away, in whatever phase each is. */
export async function unsubscribeAll(s: Connection): Promise<void> {
  await Promise.all(s.subscriptions.removeAll().map((sub) => close(s, sub)));
}

/**
 * Closes a subscription in any phase and undoes, in order, each step it
 * reached: hub entry and broker interest (and the client's map key when the
 * namespace removes it on unsubscribe), presence, join (a leave follows),
 * map presence entry.
 * A step still running when it closes takes effect later: the subscribe
 * flow closes it again then, and only that step is undone. A failed undo is
 * logged and the next one still runs.
 */
async function close(s: Connection, sub: Subscription): Promise<void> {
  const { node, log } = s.ctx;
  s.subscriptions.remove(sub);
  sub.phase = "closed";
  sub.options.stream?.cancel();
  const reached = sub.reached;
  const context = { channel: sub.channel, client: s.id };
  if (reached.hub) {
    reached.hub = false;
    await node
      .removeSubscriber(sub.channel, s.id)
      .catch((err) => logFailure(log, "unsubscribe", err, context));
    if (sub.options.removeClientOnUnsubscribe) {
      await node.maps
        .remove(sub.channel, s.id, {})
        .catch((err) => logFailure(log, "map key removal", err, context));
    }
  }
  if (reached.presence) {
    reached.presence = false;
    await node
      .removePresence(sub.channel, s.id, s.user)
      .catch((err) => logFailure(log, "presence removal", err, context));
  }
  if (reached.join) {
    reached.join = false;
    await node
      .publishLeave(sub.channel, sub.info)
      .catch((err) => logFailure(log, "leave publish", err, context));
  }
  await removeMapPresence(s, sub);
  releaseSharedPoll(sub);
}
