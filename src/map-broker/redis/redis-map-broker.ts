import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { newEpoch } from "../../broker/epoch.js";
import { historyArgs } from "../../broker/redis/history-replies.js";
import type { StreamPosition } from "../../core/publication.js";
import { errors } from "../../errors/rotor-error.js";
import { PubSubConnection } from "../../redis/pubsub-connection.js";
import type { RedisShard } from "../../redis/redis-shard.js";
import type { RedisShards } from "../../redis/redis-shards.js";
import { encodeMapPublication } from "../map-publication-codec.js";
import type {
  MapBroker,
  MapBrokerEventHandler,
  MapChannelResolver,
  MapCleanupObserver,
  MapPublishOptions,
  MapRemoveOptions,
  MapUpdateResult,
  SuppressReason,
} from "../types.js";
import { checkPublish, defaultIdempotentResultTtlMs, hasStream, mapOptionsOf } from "../write-checks.js";
import { createExpiryCleanup } from "./expiry-cleanup.js";
import { mapKeys, scriptKeys } from "./keys.js";
import { decodeMapPubSubMessage } from "./pubsub-payload.js";
import { readStateReply, readStreamReply } from "./replies.js";
import { mapReadState, mapReadStream, mapUpdate } from "./scripts.js";

export interface RedisMapBrokerOptions {
  readonly channels: MapChannelResolver;
  /** Pause between expiry cleanup cycles (`cleanup_interval`, 1 s); negative disables cleanup. */
  readonly cleanupIntervalMs?: number | undefined;
  /** Expired keys examined per channel per batch (`cleanup_batch_size`, 100). */
  readonly cleanupBatchSize?: number | undefined;
  /** How long idempotency results are kept when a write does not say (`idempotent_result_ttl`, 5 m). */
  readonly idempotentResultTtlMs?: number | undefined;
  /** Writes publish nothing and no PUB/SUB connection is opened (`skip_pub_sub`). */
  readonly skipPubSub?: boolean | undefined;
  readonly cleanup?: MapCleanupObserver | undefined;
}

const empty = new Uint8Array();
const text = (value: unknown) => (Buffer.isBuffer(value) ? value.toString("latin1") : String(value ?? ""));

/** `{offset, epoch, reason}` → the write's result. */
function updateResult(reply: unknown): MapUpdateResult {
  const [offset, epoch, reason] = (reply as unknown[]).map(text);
  const position = { offset: Number(offset), epoch: epoch ?? "" };
  if (!reason) return { position, suppressed: false };
  return { position, suppressed: true, suppressReason: reason as SuppressReason };
}

/**
 * The Redis map broker, interoperable with Centrifugo nodes on the same
 * Redis: its key names, value encodings, stream entries and PUB/SUB payloads,
 * every write one Lua script. It opens its own connections (the shards given
 * to it are its own config section), one PUB/SUB connection per shard
 * resubscribed after a reconnect, and runs the expiry cleanup on every shard.
 * Redis Cluster is refused as Centrifugo refuses it (maps need sharded
 * PUB/SUB there); client-side sharding and Sentinel work.
 */
export function createRedisMapBroker(shards: RedisShards, o: RedisMapBrokerOptions, log: Logger): MapBroker {
  let handler: MapBrokerEventHandler | undefined;
  const k = mapKeys(shards.prefix);
  const nodeEpoch = randomUUID();
  const pubSubs = new Map<RedisShard, PubSubConnection>();
  const cleanups: { stop(): void }[] = [];
  const skipPubSub = o.skipPubSub === true;
  let malformed = 0;

  function receive(channelName: Buffer, message: Buffer): void {
    const channel = k.channelOf(channelName.toString());
    const decoded = channel === undefined ? undefined : decodeMapPubSubMessage(message);
    if (channel === undefined || !decoded) {
      if (channelName.toString() !== k.service && malformed++ % 1000 === 0) {
        log.warn({ channel: channelName.toString() }, "ignoring a malformed map PUB/SUB message");
      }
      return;
    }
    handler?.onPublication(channel, decoded.pub, decoded.position, decoded.delta, decoded.prev);
  }

  async function eachShard(
    channels: readonly string[],
    act: (p: PubSubConnection, names: string[]) => Promise<void>,
  ) {
    if (skipPubSub) return;
    await Promise.all(
      [...shards.group(channels)].map(([shard, list]) => act(pubSubs.get(shard)!, list.map(k.pubSub))),
    );
  }

  /** Runs the update script: a publish when `p` is given, else a remove. */
  async function update(
    channel: string,
    key: string,
    p: MapPublishOptions | undefined,
    r: MapRemoveOptions = {},
  ): Promise<MapUpdateResult> {
    const options = mapOptionsOf(o.channels, channel);
    if (p) checkPublish(options, p);
    const w = p ?? r;
    const shard = shards.forChannel(channel);
    const now = Date.now();
    const payload = encodeMapPublication({
      key,
      removed: !p,
      data: p?.data ?? empty,
      info: p?.info,
      tags: w.tags,
      time: now,
    });
    const resultTtl = w.idempotencyKey
      ? (w.idempotentResultTtl ?? o.idempotentResultTtlMs ?? defaultIdempotentResultTtlMs)
      : 0;
    const reply = await mapUpdate.run(shard.command, scriptKeys(k, channel, w.idempotencyKey), [
      p ? "publish" : "remove",
      key,
      payload,
      hasStream(options) ? "1" : "0",
      options.streamSize,
      options.streamTtl,
      options.metaTtl,
      newEpoch(),
      skipPubSub ? "" : k.pubSub(channel),
      resultTtl,
      p?.delta ? "1" : "0",
      p?.version ?? 0,
      p?.versionEpoch ?? "",
      p?.keyMode ?? "",
      p?.refreshTtlOnSuppress ? "1" : "0",
      options.keyTtl,
      now,
      channel,
      !p && !r.tags ? "1" : "0",
    ]);
    return updateResult(reply);
  }

  async function readStream(
    channel: string,
    since: StreamPosition | undefined,
    limit: number,
    reverse = false,
  ) {
    const options = mapOptionsOf(o.channels, channel);
    const shard = shards.forChannel(channel);
    const reply = await mapReadStream.run(
      shard.command,
      [k.stream(channel), k.meta(channel)],
      [...historyArgs({ since, limit, reverse, metaTtl: 0 }), options.metaTtl, nodeEpoch],
    );
    const result = readStreamReply(reply);
    if (since?.epoch && since.epoch !== result.position.epoch) throw errors.unrecoverablePosition();
    return result;
  }

  return {
    async start(h) {
      handler = h;
      await shards.connect();
      if (shards.list.some((shard) => shard.cluster)) {
        throw new Error("map broker: redis cluster requires sharded PUB/SUB, which is not supported");
      }
      for (const shard of shards.list) {
        const cleanup = createExpiryCleanup(
          shard,
          k,
          {
            channels: o.channels,
            intervalMs: o.cleanupIntervalMs ?? 1000,
            batchSize: o.cleanupBatchSize ?? 100,
            nodeEpoch,
            skipPubSub,
            observer: o.cleanup,
          },
          log,
        );
        cleanup.start();
        cleanups.push(cleanup);
      }
      if (skipPubSub) return;
      await Promise.all(
        shards.list.map((shard) => {
          const pubSub = new PubSubConnection(shard, [k.service], {
            onMessage: receive,
            onRestored: (names) => {
              handler?.onDeliveryGap(names.map((name) => k.channelOf(name)).filter((c) => c !== undefined));
            },
          });
          pubSubs.set(shard, pubSub);
          return pubSub.start();
        }),
      );
    },

    publish(channel, key, p) {
      return update(channel, key, p);
    },

    remove(channel, key, r) {
      return update(channel, key, undefined, r);
    },

    async readState(channel, request) {
      const options = mapOptionsOf(o.channels, channel);
      const shard = shards.forChannel(channel);
      const checkRevision = (position: StreamPosition) => {
        if (request.revision && request.revision.epoch !== position.epoch)
          throw errors.unrecoverablePosition();
      };
      if (request.key !== undefined) {
        const [value, meta] = await Promise.all([
          shard.command.hgetBuffer(k.state(channel), request.key),
          hasStream(options) ? shard.command.hmget(k.meta(channel), "s", "e") : Promise.resolve([]),
        ]);
        const position = { offset: Number(meta[0] ?? 0), epoch: meta[1] ?? "" };
        checkRevision(position);
        const state = readStateReply([
          position.offset,
          position.epoch,
          "0",
          value ? [request.key, value] : [],
        ]);
        return state;
      }
      if (request.limit === 0) {
        const { position } = await readStream(channel, undefined, 0);
        checkRevision(position);
        return { publications: [], position, cursor: "" };
      }
      const reply = await mapReadState.run(
        shard.command,
        [k.meta(channel), k.state(channel), k.stateMeta(channel), k.expire(channel)],
        [
          hasStream(options) ? "1" : "0",
          request.cursor || "0",
          Math.max(request.limit, 0),
          options.metaTtl,
          newEpoch(),
        ],
      );
      const state = readStateReply(reply);
      checkRevision(state.position);
      return state;
    },

    readStream(channel, request) {
      return readStream(channel, request.since, request.limit, request.reverse);
    },

    async stats(channel) {
      return { numKeys: await shards.forChannel(channel).command.hlen(k.state(channel)) };
    },

    async clear(channel) {
      const command = shards.forChannel(channel).command;
      // The first six script keys: stream, meta, state, order, expiry index, state meta.
      await Promise.all([
        command.del(...scriptKeys(k, channel).slice(0, 6)),
        command.zrem(k.cleanup, channel),
      ]);
    },

    async subscribe(channels) {
      const done: [PubSubConnection, string[]][] = [];
      try {
        await eachShard(channels, async (pubSub, names) => {
          await pubSub.subscribe(names);
          done.push([pubSub, names]);
        });
      } catch (err) {
        await Promise.all(done.map(([pubSub, names]) => pubSub.unsubscribe(names)));
        throw err;
      }
    },

    unsubscribe(channels) {
      return eachShard(channels, (pubSub, names) => pubSub.unsubscribe(names));
    },

    async close() {
      for (const cleanup of cleanups) cleanup.stop();
      for (const pubSub of pubSubs.values()) pubSub.close();
      handler = undefined;
      shards.release();
    },
  };
}
