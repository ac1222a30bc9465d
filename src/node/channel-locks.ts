/**
 * One lock per channel name, held across the async steps that must not
 * interleave for a channel (hub entry + broker subscribe, last leave +
 * broker unsubscribe). Several channels are taken in sorted order, so two
 * batches never wait on each other.
 */
export class ChannelLocks {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(channels: readonly string[], fn: () => T | Promise<T>): Promise<T> {
    const sorted = channels.length === 1 ? channels : [...new Set(channels)].sort();
    const releases: (() => void)[] = [];
    try {
      for (const channel of sorted) releases.push(await this.acquire(channel));
      return await fn();
    } finally {
      for (const release of releases) release();
    }
  }

  private acquire(channel: string): Promise<() => void> {
    const previous = this.tails.get(channel) ?? Promise.resolve();
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => held);
    this.tails.set(channel, tail);
    return previous.then(() => () => {
      release();
      if (this.tails.get(channel) === tail) this.tails.delete(channel);
    });
  }
}
