import type { PublishResult } from "../../core/broker.js";
import { ExpiryQueue } from "./expiry-queue.js";

/** Results of idempotent publishes, per channel and key, kept for a limited time. */
export class IdempotencyCache {
  private results = new Map<string, { result: PublishResult; expiresAt: number }>();
  private expiry = new ExpiryQueue();

  get(channel: string, key: string, now: number): PublishResult | undefined {
    const hit = this.results.get(`${channel}\u0000${key}`);
    return hit && hit.expiresAt > now ? hit.result : undefined;
  }

  set(channel: string, key: string, result: PublishResult, expiresAt: number): void {
    const id = `${channel}\u0000${key}`;
    this.results.set(id, { result, expiresAt });
    this.expiry.schedule(id, expiresAt);
  }

  sweep(now: number): void {
    for (const id of this.expiry.takeDue(now)) {
      const hit = this.results.get(id);
      if (hit && hit.expiresAt <= now) this.results.delete(id);
      else if (hit) this.expiry.schedule(id, hit.expiresAt);
    }
  }
}
