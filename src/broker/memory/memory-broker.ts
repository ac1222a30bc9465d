import {
  type Broker,
  type BrokerEventHandler,
  type HistoryFilter,
  type HistoryResult,
  keepsHistory,
  type PublishOptions,
  type PublishResult,
} from "../../core/broker.js";
import type { ClientInfo, Publication } from "../../core/publication.js";
import { ExpiryQueue } from "./expiry-queue.js";
import { HistoryStream } from "./history-stream.js";
import { IdempotencyCache } from "./idempotency-cache.js";

const noHistory: PublishResult = Object.freeze({ offset: 0, epoch: "", suppressed: false });

/**
 * The single-node broker: history streams live in this process and
 * publications are handed to the node synchronously, which makes appending and
 * delivering atomic per channel without locks. History is lost on restart; the
 * new epoch tells clients that recovery is impossible.
 */
export function createMemoryBroker(): Broker {
  let handler: BrokerEventHandler | undefined;
  const streams = new Map<string, HistoryStream>();
  const expiry = new ExpiryQueue();
  const idempotency = new IdempotencyCache();
  let sweeper: NodeJS.Timeout | undefined;

  function liveStream(channel: string, now: number): HistoryStream | undefined {
    const stream = streams.get(channel);
    if (!stream) return undefined;
    if (stream.metaExpireAt <= now) {
      streams.delete(channel);
      return undefined;
    }
    if (stream.itemsExpireAt <= now) stream.clearItems();
    return stream;
  }

  function ensureStream(channel: string, now: number, metaTtl: number): HistoryStream {
    let stream = liveStream(channel, now);
    if (!stream) {
      stream = new HistoryStream();
      streams.set(channel, stream);
    }
    stream.metaExpireAt = now + metaTtl;
    expiry.schedule(channel, Math.min(stream.itemsExpireAt || stream.metaExpireAt, stream.metaExpireAt));
    return stream;
  }

  function sweep(): void {
    const now = Date.now();
    idempotency.sweep(now);
    for (const channel of expiry.takeDue(now)) {
      const stream = liveStream(channel, now);
      if (!stream) continue;
      const next =
        stream.itemsExpireAt > now
          ? Math.min(stream.itemsExpireAt, stream.metaExpireAt)
          : stream.metaExpireAt;
      expiry.schedule(channel, next);
    }
  }

  function deliver(
    channel: string,
    pub: Publication,
    result: PublishResult,
    delta: boolean,
    prev?: Publication,
  ) {
    handler?.onPublication(channel, pub, result, delta, prev);
  }

  function publishWithHistory(
    channel: string,
    data: Uint8Array,
    o: PublishOptions,
    now: number,
  ): PublishResult {
    const stream = ensureStream(channel, now, o.historyMetaTtl);
    if (o.version) {
      const sameEpoch = !o.versionEpoch || o.versionEpoch === stream.versionEpoch;
      if (sameEpoch && o.version <= stream.version) {
        return { offset: stream.top, epoch: stream.epoch, suppressed: true };
      }
      stream.version = o.version;
      stream.versionEpoch = o.versionEpoch ?? "";
    }
    const prev = o.delta ? stream.last() : undefined;
    const pub = stream.append(
      (offset) => ({ offset, data, info: o.info, tags: o.tags, time: now, version: o.version }),
      o.historySize,
    );
    stream.itemsExpireAt = now + o.historyTtl;
    expiry.schedule(channel, Math.min(stream.itemsExpireAt, stream.metaExpireAt));
    const result: PublishResult = { offset: pub.offset, epoch: stream.epoch, suppressed: false };
    deliver(channel, pub, result, o.delta === true, prev);
    return result;
  }

  return {
    async start(h) {
      handler = h;
      sweeper = setInterval(sweep, 1000);
      sweeper.unref();
    },

    async publish(channel, data, o) {
      const now = Date.now();
      if (o.idempotencyKey) {
        const cached = idempotency.get(channel, o.idempotencyKey, now);
        if (cached) return { ...cached, repeated: true };
      }
      let result: PublishResult;
      if (keepsHistory(o.historySize, o.historyTtl)) {
        result = publishWithHistory(channel, data, o, now);
      } else {
        result = noHistory;
        deliver(
          channel,
          { offset: 0, data, info: o.info, tags: o.tags, time: now, version: o.version },
          result,
          o.delta === true,
        );
      }
      if (o.idempotencyKey && !result.suppressed) {
        idempotency.set(channel, o.idempotencyKey, result, now + (o.idempotentResultTtl ?? 300_000));
      }
      return result;
    },

    async publishJoin(channel: string, info: ClientInfo) {
      handler?.onJoin(channel, info);
    },

    async publishLeave(channel: string, info: ClientInfo) {
      handler?.onLeave(channel, info);
    },

    async subscribe() {},

    async unsubscribe() {},

    async history(channel: string, filter: HistoryFilter): Promise<HistoryResult> {
      const stream = ensureStream(channel, Date.now(), filter.metaTtl);
      return { publications: stream.read(filter), position: stream.position() };
    },

    async removeHistory(channel) {
      streams.get(channel)?.clearItems();
    },

    async close() {
      if (sweeper) clearInterval(sweeper);
      handler = undefined;
    },
  };
}
