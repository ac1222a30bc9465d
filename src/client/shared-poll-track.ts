import type { SubRefreshRequest } from "../../gen/centrifugal/centrifuge/protocol/client_pb.js";
import { errors } from "../errors/rotor-error.js";
import { verifyTrackSignature } from "../shared-poll/track-signature.js";
import type { TrackItem } from "../shared-poll/types.js";
import type { Connection } from "./connection.js";
import { type SharedPollTracker, sharedPollTracker } from "./shared-poll-subscription.js";
import { ttlUntil } from "./wire.js";

const track = 1;
const untrack = 2;

function trackerOf(s: Connection, channel: string): SharedPollTracker {
  const sub = s.subscriptions.get(channel);
  const tracker = sub && sharedPollTracker(sub);
  if (!tracker || sub.phase !== "live") throw errors.permissionDenied();
  return tracker;
}

/**
 * `sub_refresh` with type 1 (track) or 2 (untrack) on a shared poll
 * subscription. A track request is accepted whole or refused whole: 107 with
 * no keys, 106 past `max_keys_per_connection`, 103 for any batch whose
 * signature does not match, 109 for one that expired. Its reply comes before
 * any update of the keys it adds; an inline untrack list applies after it.
 */
export function handleTrackRefresh(s: Connection, id: number, req: SubRefreshRequest): void {
  if (req.type !== track && req.type !== untrack) throw errors.badRequest();
  const tracker = trackerOf(s, req.channel);
  if (req.type === untrack) {
    if (req.untrack.length === 0) throw errors.badRequest();
    tracker.channel.untrack(tracker, req.untrack);
    s.reply(id, { subRefresh: {} });
    return;
  }
  const flat = new Map<string, { version: number; batch: number }>();
  req.track.forEach((batch, i) => {
    for (const item of batch.items) flat.set(item.key, { version: Number(item.version), batch: i });
  });
  if (flat.size === 0) throw errors.badRequest();
  const max = s.ctx.node.channel(req.channel).options.shared_poll.max_keys_per_connection;
  if (max > 0) {
    let total = tracker.keys.size;
    for (const key of flat.keys()) if (!tracker.keys.has(key)) total++;
    for (const key of new Set(req.untrack)) if (tracker.keys.has(key) || flat.has(key)) total--;
    if (total > max) throw errors.limitExceeded();
  }
  const nowSec = Math.floor(Date.now() / 1000);
  const keys = s.ctx.sharedPolls.trackKeys;
  const expiries = req.track.map((batch) =>
    verifyTrackSignature(
      keys,
      batch.signature,
      s.user,
      req.channel,
      batch.items.map((item) => item.key),
      nowSec,
    ),
  );
  const items: TrackItem[] = [...flat].map(([key, { version, batch }]) => ({
    key,
    version,
    expiresAt: expiries[batch]!,
  }));
  const soonest = Math.min(...expiries.map((e) => (e > 0 ? e : Number.POSITIVE_INFINITY)));
  const expires = soonest !== Number.POSITIVE_INFINITY;
  s.reply(id, { subRefresh: { expires, ttl: expires ? ttlUntil(soonest) : 0 } });
  tracker.channel.track(tracker, items);
  if (req.untrack.length > 0) tracker.channel.untrack(tracker, req.untrack);
  tracker.scheduleExpiry();
}
