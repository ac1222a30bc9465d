import type { SubscribeRequest } from "../../gen/centrifugal/centrifuge/protocol/client_pb.js";
import type { SubscriptionClaims } from "../auth/token-verifier.js";
import type { ChannelOptions } from "../config/namespace-schema.js";
import { disconnects } from "../errors/disconnect.js";
import { errors } from "../errors/rotor-error.js";
import type { ChannelInfo } from "../node/channel-rules.js";
import { isJsonValue } from "../protocol/embedded-json.js";
import type { PolledChannel } from "../shared-poll/polled-channel.js";
import type { PollSubscriber, PollUpdate, TrackedKey, UpdateFrames } from "../shared-poll/types.js";
import type { Connection } from "./connection.js";
import type { SubscriberClient } from "./subscriber-client.js";
import { Subscription } from "./subscription.js";
import type { Reservation } from "./subscription-registry.js";
import { ttlUntil } from "./wire.js";

/** `SubscribeRequest.type` of a shared poll subscription. */
export const sharedPollType = 4;

/**
 * Whether a subscribe is for a shared poll channel: type 4 to another kind of
 * namespace is 108, another type to a shared poll namespace 107.
 */
export function isSharedPollSubscribe(req: SubscribeRequest, ns: ChannelOptions): boolean {
  const pollNamespace = ns.subscription_type === "shared_poll";
  if (req.type === sharedPollType && !pollNamespace) throw errors.notAvailable();
  if (req.type !== sharedPollType && pollNamespace) throw errors.badRequest();
  return pollNamespace;
}

/** One connection's subscription to a shared poll channel, as the channel's poller delivers to it. */
export class SharedPollTracker implements PollSubscriber {
  readonly keys = new Map<string, TrackedKey>();
  private expiryTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly sub: Subscription,
    readonly channel: PolledChannel,
    private readonly expiredExtraDelay: number,
  ) {}

  get client(): SubscriberClient {
    return this.sub.client;
  }

  deliver(update: PollUpdate, frames: UpdateFrames): void {
    const known = this.keys.get(update.key);
    if (!known) return;
    if (!update.removed) {
      if (update.version <= known.delivered) return;
      known.delivered = update.version;
    }
    const s = this.client;
    const slot = `${s.codec.name}:${s.unidirectional}`;
    let message = frames.get(slot);
    if (!message) {
      if (s.codec.name === "json" && !update.removed && !isJsonValue(update.data)) {
        s.close(disconnects.inappropriateProtocol);
        return;
      }
      const pub = {
        data: update.removed ? undefined : update.data,
        key: update.key,
        removed: update.removed,
        version: BigInt(update.version),
        epoch: update.epoch ?? "",
      };
      const push = { channel: this.sub.channel, pub };
      message = s.unidirectional ? s.codec.encodePush(push) : s.codec.encodeReply({ push });
      frames.set(slot, message);
    }
    s.enqueue(message);
  }

  resubscribe(): void {
    this.client.insufficientState(this.sub);
  }

  /** Drops, without a push, keys whose signature expired more than `track_expired_extra_delay` ago. */
  scheduleExpiry(): void {
    clearTimeout(this.expiryTimer);
    let next = Number.POSITIVE_INFINITY;
    for (const k of this.keys.values()) if (k.expiresAt > 0) next = Math.min(next, k.expiresAt);
    if (next === Number.POSITIVE_INFINITY) return;
    const dueMs = Math.max(0, next * 1000 + this.expiredExtraDelay - Date.now()) + 1;
    this.expiryTimer = setTimeout(() => {
      const nowSec = Date.now() / 1000;
      const limitSec = this.expiredExtraDelay / 1000;
      const expired = [...this.keys].filter(([, k]) => k.expiresAt > 0 && nowSec > k.expiresAt + limitSec);
      this.channel.untrack(
        this,
        expired.map(([key]) => key),
      );
      this.scheduleExpiry();
    }, dueMs);
    this.expiryTimer.unref();
  }

  leave(): void {
    clearTimeout(this.expiryTimer);
    this.channel.leave(this);
  }
}

const trackers = new WeakMap<Subscription, SharedPollTracker>();

/** The tracker of a connection's shared poll subscription (undefined for other subscriptions). */
export function sharedPollTracker(sub: Subscription): SharedPollTracker | undefined {
  return trackers.get(sub);
}

/** Untracks every key of a shared poll subscription that is closing. */
export function releaseSharedPoll(sub: Subscription): void {
  trackers.get(sub)?.leave();
  trackers.delete(sub);
}

/**
 * A shared poll subscribe (type 4) once authorised: registers with the
 * channel's poller (no backend call yet) and answers with the channel's epoch.
 * Keys come later, with `sub_refresh` track requests.
 */
export function subscribeSharedPoll(
  s: Connection,
  id: number,
  reservation: Reservation,
  channel: ChannelInfo,
  claims: SubscriptionClaims | undefined,
): void {
  const expireAt = s.insecure ? 0 : (claims?.expireAt ?? 0);
  if (expireAt > 0 && expireAt < Date.now() / 1000) throw errors.expired();
  const options = { ...streamFeaturesOff, serverSide: false, chanInfo: claims?.info };
  const sub = new Subscription(s, reservation.channel, options);
  sub.expireAt = expireAt;
  if (!s.subscriptions.fill(reservation, sub)) return;
  sub.phase = "live";
  const polled = s.ctx.sharedPolls.open(reservation.channel, channel.options);
  const tracker = new SharedPollTracker(sub, polled, channel.options.shared_poll.track_expired_extra_delay);
  trackers.set(sub, tracker);
  polled.join(tracker);
  s.reply(id, {
    subscribe: {
      type: sharedPollType,
      epoch: polled.epoch,
      expires: expireAt > 0,
      ttl: expireAt > 0 ? ttlUntil(expireAt) : 0,
      data: claims?.data,
    },
  });
}

/** A shared poll subscription has no presence, join/leave, stream position or stream deltas. */
const streamFeaturesOff = {
  presence: false,
  emitJoinLeave: false,
  pushJoinLeave: false,
  positioned: false,
  recoverable: false,
  delta: false,
};
