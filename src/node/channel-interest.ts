import type { Logger } from "pino";
import type { Broker } from "../core/broker.js";
import { background } from "../lifecycle/background.js";
import type { ChannelLocks } from "./channel-locks.js";
import type { Hub, HubSubscriber } from "./hub.js";

/** How long a channel stays subscribed at the broker after its last local subscriber left. */
const unsubscribeDelayMs = 1000;
/**
 * Channels whose last subscriber left this much later than the first one's
 * go in the same broker call: leaves that arrive together (a connection
 * closing) would otherwise split wherever a millisecond ticks over.
 */
const batchSlackMs = 100;
const retryMs = 500;

/**
 * Keeps what this node receives from the broker in step with the hub: the
 * first local subscriber of a channel subscribes the broker, and the channel
 * is unsubscribed a moment after the last one leaves (a client that
 * resubscribes right away costs no broker round trip). Both run under the
 * channel's lock, and a failed broker subscribe takes the hub entries back
 * out, so a subscriber is never registered on a channel the node does not
 * receive.
 */
export class ChannelInterest {
  private readonly subscribed = new Set<string>();
  /** Channels whose last subscriber left, with when. */
  private readonly leaving = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly broker: Pick<Broker, "subscribe" | "unsubscribe">,
    private readonly hub: Hub,
    private readonly locks: ChannelLocks,
    private readonly log: Logger,
  ) {}

  /** Registers subscribers (one connection's channels at once): one broker subscribe for all new channels. */
  add(subs: readonly HubSubscriber[]): Promise<void> {
    const channels = subs.map((sub) => sub.channel);
    return this.locks.run(channels, async () => {
      const fresh: string[] = [];
      for (const sub of subs) {
        this.hub.addSubscriber(sub.channel, sub);
        this.leaving.delete(sub.channel);
        if (!this.subscribed.has(sub.channel) && !fresh.includes(sub.channel)) fresh.push(sub.channel);
      }
      if (fresh.length === 0) return;
      try {
        await this.broker.subscribe(fresh);
      } catch (err) {
        for (const sub of subs) this.hub.removeSubscriber(sub.channel, sub.client.id);
        for (const channel of channels) this.leaveIfEmpty(channel);
        throw err;
      }
      for (const channel of fresh) this.subscribed.add(channel);
    });
  }

  remove(channel: string, clientId: string): Promise<void> {
    return this.locks.run([channel], () => {
      if (this.hub.removeSubscriber(channel, clientId)) this.leaveIfEmpty(channel);
    });
  }

  private leaveIfEmpty(channel: string): void {
    if (!this.subscribed.has(channel) || this.hub.hasSubscribers(channel) || this.leaving.has(channel))
      return;
    this.leaving.set(channel, Date.now());
    this.schedule(unsubscribeDelayMs);
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(delay: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      background(this.log, "broker unsubscribe", this.dissolve());
    }, delay);
    this.timer.unref();
  }

  /** Unsubscribes, in one broker call, the channels that have stayed empty for the delay (less the batch slack). */
  private async dissolve(): Promise<void> {
    const now = Date.now();
    const due = [...this.leaving]
      .filter(([, at]) => now - at >= unsubscribeDelayMs - batchSlackMs)
      .map(([ch]) => ch);
    if (due.length > 0) {
      await this.locks.run(due, async () => {
        const empty: string[] = [];
        for (const channel of due) {
          if (!this.leaving.has(channel)) continue;
          if (this.hub.hasSubscribers(channel)) this.leaving.delete(channel);
          else empty.push(channel);
        }
        if (empty.length === 0) return;
        try {
          await this.broker.unsubscribe(empty);
          for (const channel of empty) {
            this.subscribed.delete(channel);
            this.leaving.delete(channel);
          }
        } catch (err) {
          this.log.warn({ err, channels: empty.length }, "broker unsubscribe failed; retrying");
        }
      });
    }
    if (this.leaving.size > 0) this.schedule(retryMs);
  }
}
