import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { type RedisShard, reconnectDelayMs } from "./redis-shard.js";

/** What a PUB/SUB connection reports to its owner. */
export interface PubSubEvents {
  onMessage(channel: Buffer, message: Buffer): void;
  /** The connection dropped and is subscribed again: messages published in between were lost. */
  onRestored(channels: readonly string[]): void;
  /** The connection failed (it reconnects on its own). */
  onFailure?(): void;
}

/** Centrifugo's SUBSCRIBE batch size when resubscribing. */
const batchSize = 512;
/** An idle connection proves it still receives every 30 s (centrifuge's PUB/SUB probe). */
const defaultProbeIntervalMs = 30_000;
const probePayload = "probe";
const failed = "PUB/SUB connection failed, retrying";

function* batches(channels: readonly string[]): Iterable<string[]> {
  for (let i = 0; i < channels.length; i += batchSize) yield channels.slice(i, i + batchSize);
}

/**
 * A dedicated PUB/SUB connection to one shard, never used for commands. It
 * first subscribes its fixed channels (a service or control channel), then
 * everything its owner asked for; when the connection drops it reconnects
 * after 250 ms and subscribes all of it again before taking new requests.
 * While it is down, new subscriptions fail at once. A connection that
 * received nothing for a while publishes a probe and is replaced when the
 * probe does not come back: a PUB/SUB connection can stay open yet deliver
 * nothing (after a failover, behind a broken proxy). Probes go to a channel
 * of the connection's own (named after its first fixed channel, so prefix
 * ACLs still allow it), never to a channel other nodes read: a Centrifugo
 * node on the same Redis sees none of them.
 */
export class PubSubConnection {
  private client: Redis | undefined;
  private readonly wanted = new Set<string>();
  private closed = false;
  private current: Redis | undefined;
  private lastMessageAt = 0;
  private readonly probeChannel: string | undefined;

  constructor(
    private readonly shard: RedisShard,
    private readonly fixed: readonly string[],
    private readonly events: PubSubEvents,
    private readonly probeIntervalMs = defaultProbeIntervalMs,
  ) {
    this.probeChannel = fixed.length > 0 ? `${fixed[0]}.probe.${randomUUID()}` : undefined;
  }

  /** Connects; resolves once the first connection is subscribed (retrying until then). */
  start(): Promise<void> {
    return new Promise((resolve) => {
      void this.run(resolve);
    });
  }

  async subscribe(channels: readonly string[]): Promise<void> {
    const client = this.client;
    if (!client) throw new Error("redis: pub/sub connection temporary unavailable");
    for (const batch of batches(channels)) await client.subscribe(...batch);
    for (const channel of channels) this.wanted.add(channel);
  }

  /**
   * Stops receiving; when the connection is down there is nothing to undo (it
   * will not resubscribe them). A refused UNSUBSCRIBE is reported, so the
   * caller can try again rather than keep receiving channels nobody reads.
   */
  async unsubscribe(channels: readonly string[]): Promise<void> {
    for (const channel of channels) this.wanted.delete(channel);
    const client = this.client;
    if (!client) return;
    for (const batch of batches(channels)) await client.unsubscribe(...batch);
  }

  close(): void {
    this.closed = true;
    this.current?.disconnect();
  }

  private receive(channel: Buffer, message: Buffer): void {
    this.lastMessageAt = Date.now();
    if (this.probeChannel !== undefined && channel.toString() === this.probeChannel) return;
    this.events.onMessage(channel, message);
  }

  /** When idle, sends a probe through the command connection; no probe back within the I/O timeout ends the connection. */
  private async probe(client: Redis): Promise<void> {
    const sentAt = Date.now();
    if (sentAt - this.lastMessageAt < this.probeIntervalMs || this.probeChannel === undefined) return;
    try {
      await this.shard.command.publish(this.probeChannel, probePayload);
    } catch {
      return;
    }
    await sleep(this.shard.options.ioTimeout);
    if (this.lastMessageAt < sentAt && this.client === client) {
      this.shard.warn(new Error("no probe came back"), "PUB/SUB connection is silent, reconnecting");
      client.disconnect();
    }
  }

  private async run(started: () => void): Promise<void> {
    let restored = false;
    while (!this.closed) {
      const client = new Redis(this.shard.pubSubOptions());
      this.current = client;
      const ended = new Promise<void>((resolve) => client.once("end", resolve));
      client.on("error", (err: Error) => {
        this.events.onFailure?.();
        this.shard.warn(err, failed);
      });
      client.on("messageBuffer", (channel: Buffer, message: Buffer) => this.receive(channel, message));
      try {
        await client.connect();
        if (this.probeChannel !== undefined) await client.subscribe(...this.fixed, this.probeChannel);
        const channels = [...this.wanted];
        for (const batch of batches(channels)) await client.subscribe(...batch);
        this.client = client;
        this.shard.recovered(failed);
        if (restored) this.events.onRestored(channels);
        restored = true;
        started();
        const probing = setInterval(() => void this.probe(client), this.probeIntervalMs);
        await ended;
        clearInterval(probing);
      } catch (err) {
        this.events.onFailure?.();
        this.shard.warn(err as Error, failed);
        client.disconnect();
      }
      this.client = undefined;
      if (!this.closed) await sleep(reconnectDelayMs);
    }
  }
}
