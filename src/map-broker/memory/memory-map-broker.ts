import { ExpiryQueue } from "../../broker/memory/expiry-queue.js";
import { IdempotencyCache } from "../../broker/memory/idempotency-cache.js";
import type { StreamPosition } from "../../core/publication.js";
import { errors } from "../../errors/rotor-error.js";
import type {
  MapBroker,
  MapBrokerEventHandler,
  MapChannelOptions,
  MapChannelResolver,
  MapCleanupObserver,
  MapPublication,
  MapUpdateResult,
  SuppressReason,
} from "../types.js";
import { checkPublish, defaultIdempotentResultTtlMs, hasStream, mapOptionsOf } from "../write-checks.js";
import { createExpiryCleanup } from "./expiry-cleanup.js";
import { MapChannel } from "./map-channel.js";

export interface MemoryMapBrokerOptions {
  readonly channels: MapChannelResolver;
  /** How often expired keys are removed (Centrifugo: every second). */
  readonly cleanupIntervalMs?: number | undefined;
  readonly cleanup?: MapCleanupObserver | undefined;
}

const empty = new Uint8Array();
/** Stands in for an ephemeral channel with no keys: read, never written. */
const absent = new MapChannel();

/**
 * The single-node map broker: state and streams live in this process and
 * changes reach the node synchronously inside the write, which makes
 * applying, appending and delivering atomic per channel without locks. Keys
 * honour `key_mode` in every mode, and removals carry the key's stored tags.
 * Everything is lost on restart; the new epoch tells clients to resync.
 */
export function createMemoryMapBroker(o: MemoryMapBrokerOptions): MapBroker {
  let handler: MapBrokerEventHandler | undefined;
  const channels = new Map<string, MapChannel>();
  const idempotency = new IdempotencyCache();
  const metaExpiry = new ExpiryQueue();

  function live(channel: string, now: number): MapChannel | undefined {
    const ch = channels.get(channel);
    if (ch && ch.metaExpiresAt !== 0 && ch.metaExpiresAt <= now) {
      channels.delete(channel);
      return undefined;
    }
    return ch;
  }

  function ensure(channel: string, now: number): MapChannel {
    let ch = live(channel, now);
    if (!ch) {
      ch = new MapChannel();
      channels.set(channel, ch);
    }
    return ch;
  }

  /**
   * The channel to read or remove from: stream modes create it (its epoch is
   * the position readers hold); an absent ephemeral channel is not created.
   */
  function existing(channel: string, options: MapChannelOptions, now: number): MapChannel {
    return hasStream(options) ? ensure(channel, now) : (live(channel, now) ?? absent);
  }

  const position = (ch: MapChannel): StreamPosition => ({ offset: ch.top, epoch: ch.epoch });

  function suppressed(ch: MapChannel, reason: SuppressReason): MapUpdateResult {
    return { position: position(ch), suppressed: true, suppressReason: reason };
  }

  /** Gives the change its offset, appends it and keeps the channel's meta alive. */
  function commit(
    channel: string,
    ch: MapChannel,
    options: MapChannelOptions,
    pub: Omit<MapPublication, "offset">,
    now: number,
  ): MapPublication {
    const stream = hasStream(options);
    const full: MapPublication = { ...pub, offset: stream ? ++ch.top : 0 };
    if (stream) ch.append(full, options.streamSize, options.streamTtl, now);
    if (options.metaTtl > 0) {
      ch.metaExpiresAt = now + options.metaTtl;
      metaExpiry.schedule(channel, ch.metaExpiresAt);
    }
    return full;
  }

  function deliver(channel: string, ch: MapChannel, pub: MapPublication, prev?: MapPublication): void {
    handler?.onPublication(channel, pub, position(ch), prev !== undefined, prev);
  }

  function remember(
    channel: string,
    id: string | undefined,
    ttl: number | undefined,
    result: MapUpdateResult,
  ) {
    if (!id) return;
    const at = Date.now() + (ttl ?? defaultIdempotentResultTtlMs);
    idempotency.set(channel, id, { ...result.position, suppressed: false }, at);
  }

  function cached(channel: string, id: string | undefined, now: number): MapUpdateResult | undefined {
    const hit = id ? idempotency.get(channel, id, now) : undefined;
    if (!hit) return undefined;
    return {
      position: { offset: hit.offset, epoch: hit.epoch },
      suppressed: true,
      suppressReason: "idempotency",
    };
  }

  function removeKey(
    channel: string,
    ch: MapChannel,
    options: MapChannelOptions,
    key: string,
    now: number,
    tags?: Readonly<Record<string, string>>,
  ) {
    const entry = ch.entries.get(key);
    if (!entry) return undefined;
    ch.delete(key);
    const removal = { key, removed: true, data: empty, tags: tags ?? entry.pub.tags, time: now };
    const pub = commit(channel, ch, options, removal, now);
    deliver(channel, ch, pub);
    // An ephemeral channel has no position to keep: once empty it takes no memory.
    if (!hasStream(options) && ch.entries.size === 0) channels.delete(channel);
    return pub;
  }

  const cleanup = createExpiryCleanup({
    intervalMs: o.cleanupIntervalMs ?? 1000,
    observer: o.cleanup,
    sweep(channel, key, now) {
      const ch = live(channel, now);
      const entry = ch?.entries.get(key);
      if (!ch || !entry || entry.expiresAt === 0) return undefined;
      if (entry.expiresAt > now) return entry.expiresAt;
      const options = o.channels(channel);
      if (options) removeKey(channel, ch, options, key, now);
      else ch.delete(key);
      o.cleanup?.removed(1);
      return undefined;
    },
    sweepMeta(now) {
      idempotency.sweep(now);
      for (const channel of metaExpiry.takeDue(now)) {
        const ch = channels.get(channel);
        if (!ch || ch.metaExpiresAt === 0) continue;
        if (ch.metaExpiresAt <= now) channels.delete(channel);
        else metaExpiry.schedule(channel, ch.metaExpiresAt);
      }
    },
  });

  return {
    async start(h) {
      handler = h;
      cleanup.start();
    },

    async publish(channel, key, p) {
      const options = mapOptionsOf(o.channels, channel);
      checkPublish(options, p);
      const now = Date.now();
      const hit = cached(channel, p.idempotencyKey, now);
      if (hit) return hit;
      const ch = ensure(channel, now);
      const entry = ch.entries.get(key);
      const version = p.version ?? 0;
      const versionEpoch = p.versionEpoch ?? "";
      if (
        version > 0 &&
        entry &&
        entry.version > 0 &&
        (versionEpoch === "" || versionEpoch === entry.versionEpoch) &&
        entry.version >= version
      ) {
        return suppressed(ch, "version");
      }
      if (p.keyMode === "if_new" && entry) {
        if (p.refreshTtlOnSuppress && options.keyTtl > 0) {
          entry.expiresAt = now + options.keyTtl;
          cleanup.schedule(channel, key, entry.expiresAt);
        }
        return suppressed(ch, "key_exists");
      }
      if (p.keyMode === "if_exists" && !entry) return suppressed(ch, "key_not_found");
      const expiresAt = options.keyTtl > 0 ? now + options.keyTtl : 0;
      const prev = p.delta ? entry?.pub : undefined;
      const update = { key, removed: false, data: p.data, info: p.info, tags: p.tags, time: now };
      const pub = commit(channel, ch, options, update, now);
      ch.set(key, {
        pub,
        expiresAt,
        version: version > 0 ? version : (entry?.version ?? 0),
        versionEpoch: version > 0 ? versionEpoch : (entry?.versionEpoch ?? ""),
      });
      if (expiresAt > 0) cleanup.schedule(channel, key, expiresAt);
      deliver(channel, ch, pub, prev);
      const result = { position: position(ch), suppressed: false };
      remember(channel, p.idempotencyKey, p.idempotentResultTtl, result);
      return result;
    },

    async remove(channel, key, r) {
      const options = mapOptionsOf(o.channels, channel);
      const now = Date.now();
      const hit = cached(channel, r.idempotencyKey, now);
      if (hit) return hit;
      const ch = existing(channel, options, now);
      if (!removeKey(channel, ch, options, key, now, r.tags)) return suppressed(ch, "key_not_found");
      const result = { position: position(ch), suppressed: false };
      remember(channel, r.idempotencyKey, r.idempotentResultTtl, result);
      return result;
    },

    async readState(channel, request) {
      const ch = existing(channel, mapOptionsOf(o.channels, channel), Date.now());
      const at = position(ch);
      if (request.revision && request.revision.epoch !== at.epoch) throw errors.unrecoverablePosition();
      if (request.key !== undefined) {
        const entry = ch.entries.get(request.key);
        return { publications: entry ? [entry.pub] : [], position: at, cursor: "" };
      }
      if (request.limit === 0) return { publications: [], position: at, cursor: "" };
      const page = ch.page(request.cursor ?? "", request.limit);
      return { publications: page.entries.map((e) => e.pub), position: at, cursor: page.cursor };
    },

    async readStream(channel, request) {
      const now = Date.now();
      const ch = existing(channel, mapOptionsOf(o.channels, channel), now);
      if (request.since?.epoch && request.since.epoch !== ch.epoch) throw errors.unrecoverablePosition();
      return { publications: ch.read(request, now), position: position(ch) };
    },

    async stats(channel) {
      return { numKeys: live(channel, Date.now())?.entries.size ?? 0 };
    },

    async clear(channel) {
      channels.delete(channel);
    },

    async subscribe() {},

    async unsubscribe() {},

    async close() {
      cleanup.stop();
      handler = undefined;
    },
  };
}
