import type { MessageInitShape } from "@bufbuild/protobuf";
import type { SubscribeResultSchema } from "../../gen/centrifugal/centrifuge/protocol/client_pb.js";
import type { StreamPosition } from "../broker/types.js";
import { errors } from "../errors/rotor-error.js";
import { recover, recoverLatest } from "./recovery.js";
import type { ClientSession } from "./session.js";
import { Subscription, type SubscriptionOptions } from "./subscription.js";
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
 * Subscribes a connection to channels: registers them with the node first,
 * all at once (so live publications are buffered, not lost, and new channels
 * cost one broker subscribe together), then for each adds presence and works
 * out the stream position or recovers missed publications from history. If
 * any channel fails, none stays subscribed.
 */
export async function subscribeChannels(
  s: ClientSession,
  requests: readonly (readonly [string, SubscribeParams])[],
): Promise<Subscribed[]> {
  const subs = requests.map(([channel, p]) => {
    const sub = new Subscription(s, channel, p);
    sub.expireAt = p.expireAt;
    s.subscriptions.set(channel, sub);
    return sub;
  });
  try {
    await s.ctx.node.addSubscribers(subs);
  } catch (err) {
    for (const sub of subs) if (s.subscriptions.get(sub.channel) === sub) s.subscriptions.delete(sub.channel);
    throw err;
  }
  const settled = await Promise.allSettled(subs.map((sub, i) => settle(s, sub, requests[i]![1])));
  const failed = settled.find((r) => r.status === "rejected");
  if (failed) {
    await Promise.all(subs.map((sub) => forget(s, sub)));
    throw failed.reason;
  }
  return settled.map((r) => (r as PromiseFulfilledResult<Subscribed>).value);
}

/** Subscribes a connection to one channel (see subscribeChannels). */
export async function subscribeChannel(
  s: ClientSession,
  channel: string,
  p: SubscribeParams,
): Promise<Subscribed> {
  const [subscribed] = await subscribeChannels(s, [[channel, p]]);
  return subscribed!;
}

/** Where a client that never saw the channel stands: before every publication. */
const nothingSeen: StreamPosition = { offset: 0, epoch: "" };

async function settle(s: ClientSession, sub: Subscription, p: SubscribeParams): Promise<Subscribed> {
  const { node, config } = s.ctx;
  const channel = sub.channel;
  if (p.presence) await node.addPresence(channel, s.id, sub.info);
  let position: StreamPosition = { offset: 0, epoch: "" };
  let recovered = false;
  let publications: MessageInitShape<typeof SubscribeResultSchema>["publications"] = [];
  let resultOffset = 0;
  const recoverSince = p.recoverSince ?? (p.cacheRecovery && p.autoCacheRecover ? nothingSeen : undefined);
  if (p.positioned || p.recoverable) {
    if (p.recoverable && recoverSince) {
      const max = config.client.recovery_max_publication_limit;
      const since = recoverSince;
      const cache = p.cacheRecovery;
      const history = await node.history(
        channel,
        cache
          ? { limit: 1, reverse: true }
          : { since: { offset: since.offset, epoch: "" }, limit: max > 0 ? max : -1, reverse: false },
      );
      const outcome = cache ? recoverLatest(since, history) : recover(since, history);
      if (!outcome.recovered && p.rejectUnrecovered) throw errors.unrecoverablePosition();
      recovered = outcome.recovered;
      s.ctx.metrics.client.recover(recovered, outcome.publications.length);
      position = history.position;
      resultOffset = outcome.position.offset;
      publications = outcome.publications.map((pub) => wirePublication(s, pub, p.delta));
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
    commit() {
      sub.activate(position, recovered && publications.length > 0 ? position.offset : -1);
      if (p.emitJoinLeave) void node.publishJoin(channel, sub.info).catch(() => {});
    },
  };
}

/** Undoes a subscribe that failed part-way; its own failures are logged, the subscribe's error is the one reported. */
async function forget(s: ClientSession, sub: Subscription): Promise<void> {
  if (s.subscriptions.get(sub.channel) === sub) s.subscriptions.delete(sub.channel);
  try {
    await s.ctx.node.removeSubscriber(sub.channel, s.id);
    if (sub.options.presence) await s.ctx.node.removePresence(sub.channel, s.id, s.user);
  } catch (err) {
    s.ctx.log.warn({ err, channel: sub.channel }, "undoing a failed subscribe failed");
  }
}

/** Ends a subscription; with `why` the client is told (server-initiated unsubscribe). */
export async function unsubscribeChannel(
  s: ClientSession,
  channel: string,
  why?: { readonly code: number; readonly reason: string },
): Promise<void> {
  const sub = s.subscriptions.get(channel);
  if (!sub) return;
  s.subscriptions.delete(channel);
  if (why) s.push({ channel, unsubscribe: { code: why.code, reason: why.reason } });
  await leave(s, sub);
}

async function leave(s: ClientSession, sub: Subscription): Promise<void> {
  const { node } = s.ctx;
  sub.options.stream?.cancel();
  try {
    await node.removeSubscriber(sub.channel, s.id);
    if (sub.options.presence) await node.removePresence(sub.channel, s.id, s.user);
    if (sub.options.emitJoinLeave && sub.active) await node.publishLeave(sub.channel, sub.info);
  } catch (err) {
    s.ctx.log.warn({ err, channel: sub.channel }, "unsubscribe cleanup failed");
  }
}

/** Leaves every channel when the connection goes away. */
export async function unsubscribeAll(s: ClientSession): Promise<void> {
  const subs = [...s.subscriptions.values()];
  s.subscriptions.clear();
  await Promise.all(subs.map((sub) => leave(s, sub)));
}
