import type { Connection } from "./connection.js";
import { writeMapPresence } from "./map-presence.js";
import type { Subscription } from "./subscription.js";

/** How long a stream top seen ahead of a subscription may stay in flight before it counts as lost. */
const inFlightGraceMs = 1000;

/**
 * A connection's periodic duties toward its subscriptions, run every
 * `client.presence_update_interval`: refresh presence and map presence
 * entries (a shared store expires entries that stop being refreshed) and
 * compare positioned subscriptions that have been idle for
 * `client.channel_position_check_delay` with the stream top, so a lost
 * publication is noticed even when no later one reveals the gap.
 */
export async function upkeep(s: Connection, now: number): Promise<void> {
  const { node, config } = s.ctx;
  const checkDelay = config.client.channel_position_check_delay;
  const work: Promise<void>[] = [];
  for (const sub of s.subscriptions.values()) {
    if (!sub.active) continue;
    work.push(writeMapPresence(s, sub));
    if (sub.options.presence) {
      work.push(
        node
          .addPresence(sub.channel, s.id, sub.info)
          .catch((err) => s.ctx.log.warn({ err, channel: sub.channel }, "presence refresh failed")),
      );
    }
    if (sub.options.positioned && sub.awaitedOffset === 0 && now - sub.checkedAt > checkDelay) {
      work.push(checkPosition(s, sub, now));
    }
  }
  await Promise.all(work);
}

/**
 * Reads the stream top (a map's from the map broker) and compares. Another epoch is a lost stream. A top
 * ahead of the subscription may be a publication still on its way, so it is
 * awaited for a moment (see settleAwaited). A failed read is no verdict: the
 * next round checks again.
 */
async function checkPosition(s: Connection, sub: Subscription, now: number): Promise<void> {
  const { node } = s.ctx;
  let top: { offset: number; epoch: string };
  try {
    top = sub.options.keyed
      ? (await node.maps.readStream(sub.channel, { limit: 0 })).position
      : (await node.history(sub.channel, { limit: 0, reverse: false })).position;
  } catch {
    return;
  }
  if (s.subscriptions.get(sub.channel) !== sub) return;
  if (top.epoch !== sub.epoch) s.insufficientState(sub);
  else if (top.offset > sub.offset) {
    sub.awaitedOffset = top.offset;
    sub.checkedAt = now;
    s.awaitingPositions = true;
  } else sub.checkedAt = now;
}

/**
 * Subscriptions whose awaited publication has not arrived within the grace
 * period lost it. Returns whether some are still waiting.
 */
export function settleAwaited(s: Connection, now: number): boolean {
  let waiting = false;
  for (const sub of [...s.subscriptions.values()]) {
    if (sub.awaitedOffset === 0) continue;
    if (sub.offset >= sub.awaitedOffset) sub.awaitedOffset = 0;
    else if (now - sub.checkedAt < inFlightGraceMs) waiting = true;
    else {
      sub.awaitedOffset = 0;
      s.insufficientState(sub);
    }
  }
  return waiting;
}
