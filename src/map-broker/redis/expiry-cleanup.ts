import type { Logger } from "pino";
import type { RedisShard } from "../../redis/redis-shard.js";
import { decodeMapPublication, encodeMapPublication } from "../map-publication-codec.js";
import type { MapChannelResolver, MapCleanupObserver } from "../types.js";
import { hasStream } from "../write-checks.js";
import { type MapKeys, scriptKeys } from "./keys.js";
import { splitStoredValue } from "./pubsub-payload.js";
import { mapFindExpired, mapRemoveExpired } from "./scripts.js";

export interface RedisExpiryOptions {
  readonly channels: MapChannelResolver;
  /** Pause between cycles; negative disables the worker. */
  readonly intervalMs: number;
  /** Expired keys examined per channel per batch. */
  readonly batchSize: number;
  /** Epoch given to a channel that has none when its keys expire. */
  readonly nodeEpoch: string;
  readonly skipPubSub: boolean;
  readonly observer?: MapCleanupObserver | undefined;
}

/** Due channels read per registration query, channels cleaned at once, batches per channel per visit (Centrifugo's). */
const dueLimit = 10_000;
const parallel = 64;
const batchesPerVisit = 10;

const text = (value: unknown) => (Buffer.isBuffer(value) ? value.toString() : String(value ?? ""));

/**
 * Removes expired map keys on one shard. A cycle takes `now` once, reads the
 * channels whose registration is due and visits each of them at most once:
 * finds its due keys, removes them (each becomes a removal in the stream and
 * on PUB/SUB, carrying the key's stored tags) and settles the registration to
 * the earliest remaining expiry. A registration left early by another writer
 * (a refreshed or removed key) is corrected on that visit, so a channel with
 * nothing due costs one visit per stale registration, never a loop.
 */
export function createExpiryCleanup(shard: RedisShard, k: MapKeys, o: RedisExpiryOptions, log: Logger) {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function cleanChannel(channel: string, now: number): Promise<void> {
    const options = o.channels(channel);
    if (!options) return;
    const keys = scriptKeys(k, channel);
    for (let batch = 0; batch < batchesPerVisit; batch++) {
      const found = (await mapFindExpired.run(
        shard.command,
        [k.expire(channel), k.state(channel)],
        [now, o.batchSize],
      )) as Buffer[];
      const triples: (string | Buffer)[] = [];
      for (let i = 0; i + 2 < found.length; i += 3) {
        const key = text(found[i]);
        const stored = splitStoredValue(found[i + 1]!);
        const tags = stored ? decodeMapPublication(stored.rest, 0).tags : undefined;
        const removal = encodeMapPublication({ key, removed: true, data: new Uint8Array(), tags, time: now });
        triples.push(key, text(found[i + 2]), removal);
      }
      const [removed] = (await mapRemoveExpired.run(shard.command, keys.slice(0, 7), [
        hasStream(options) ? "1" : "0",
        options.streamSize,
        options.streamTtl,
        options.metaTtl,
        o.nodeEpoch,
        o.skipPubSub ? "" : k.pubSub(channel),
        channel,
        ...triples,
      ])) as [number];
      o.observer?.removed(removed);
      if (found.length / 3 < o.batchSize) return;
    }
  }

  /** How long the earliest registration has been due, as Centrifugo's lag worker reads it. */
  async function reportLag(now: number): Promise<void> {
    if (!o.observer) return;
    const [, score] = await shard.command.zrange(k.cleanup, "0", "0", "WITHSCORES");
    o.observer.lag(score === undefined ? 0 : Math.max(0, now - Number(score)) / 1000);
  }

  /** One pass over the channels due at the start of the cycle. */
  async function cycle(): Promise<void> {
    const now = Date.now();
    await reportLag(now);
    const visited = new Set<string>();
    for (;;) {
      const due = await shard.command.zrangebyscore(k.cleanup, "-inf", now, "LIMIT", 0, dueLimit);
      const fresh = due.filter((channel) => !visited.has(channel));
      if (fresh.length === 0) return;
      for (const channel of fresh) visited.add(channel);
      for (let i = 0; i < fresh.length; i += parallel) {
        await Promise.all(
          fresh.slice(i, i + parallel).map((channel) =>
            cleanChannel(channel, now).catch((err: Error) => {
              o.observer?.failed();
              log.warn({ channel, err: err.message }, "map key expiry failed, retrying next cycle");
            }),
          ),
        );
      }
    }
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      cycle()
        .catch((err: Error) => {
          o.observer?.failed();
          shard.warn(err, "map key expiry failed");
        })
        .finally(schedule);
    }, o.intervalMs);
    timer.unref();
  }

  return {
    start(): void {
      if (o.intervalMs >= 0) schedule();
    },
    stop(): void {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
