import type { Logger } from "pino";
import {
  type Broker,
  type BrokerEventHandler,
  type HistoryFilter,
  type HistoryResult,
  keepsHistory,
  type PublishOptions,
  type PublishResult,
} from "../../core/broker.js";
import { malformedMessages } from "../../lifecycle/log-limits.js";
import { PubSubConnection } from "../../redis/pubsub-connection.js";
import type { RedisShard } from "../../redis/redis-shard.js";
import type { RedisShards } from "../../redis/redis-shards.js";
import { newEpoch } from "../epoch.js";
import { encodePublication } from "../publication-codec.js";
import { historyArgs, readHistoryReply, readPublishReply } from "./history-replies.js";
import { type BrokerKeys, brokerKeys } from "./keys.js";
import { decodePubSubMessage, encodeJoinLeave } from "./pubsub-payload.js";
import { historyAddStream, historyStream, publishIdempotent } from "./scripts.js";

const defaultResultTtlMs = 300_000;
const noHistory: PublishResult = Object.freeze({ offset: 0, epoch: "", suppressed: false });
const repeatedNoHistory: PublishResult = Object.freeze({ ...noHistory, repeated: true });

/**
 * What the broker tells about its PUB/SUB connections, in the error kinds of
 * Centrifugo's `centrifugo_broker_redis_pub_sub_errors`: an unreadable
 * message, a failed connection, a failed channel subscribe.
 */
export interface PubSubReport {
  error(kind: "handle_client_message" | "connection" | "subscribe_channel"): void;
}

const ignoreReports: PubSubReport = { error() {} };

/** TTL texts by milliseconds: the few TTLs of the configuration repeat on every publish. */
const secondsTexts = new Map<number, string>();

/** Whole seconds for Redis TTLs; a partial second rounds up so nothing expires early. */
function seconds(ms: number): string {
  let text = secondsTexts.get(ms);
  if (text === undefined) {
    text = String(Math.ceil(ms / 1000));
    if (secondsTexts.size < 256) secondsTexts.set(ms, text);
  }
  return text;
}

/**
 * The Redis broker, with Centrifugo's key names and payloads: history in a
 * Redis Stream per channel, publish + append + PUB/SUB in one Lua script (so
 * offsets reach subscribers in order), idempotency keys, version
 * suppression, deltas, join/leave over PUB/SUB. Each shard has one dedicated
 * PUB/SUB connection for channels, resubscribed after it reconnects.
 */
export function createRedisBroker(
  shards: RedisShards,
  log: Logger,
  report: PubSubReport = ignoreReports,
): Broker {
  let handler: BrokerEventHandler | undefined;
  const pubSubs = new Map<RedisShard, PubSubConnection>();
  const keysOf = new Map<RedisShard, BrokerKeys>();
  const malformed = malformedMessages(log, "PUB/SUB message");

  const keys = (shard: RedisShard) => keysOf.get(shard)!;

  function receive(k: BrokerKeys, channelName: Buffer, message: Buffer): void {
    const channel = k.channelOf(channelName.toString());
    const decoded = channel === undefined ? undefined : decodePubSubMessage(message);
    if (channel === undefined || !decoded) {
      if (channelName.toString() === k.service) return;
      report.error("handle_client_message");
      malformed({ channel: channelName.toString() });
      return;
    }
    if (decoded.kind === "publication") {
      handler?.onPublication(channel, decoded.pub, decoded.position, decoded.delta, decoded.prev);
    } else if (decoded.kind === "join") handler?.onJoin(channel, decoded.info);
    else handler?.onLeave(channel, decoded.info);
  }

  async function eachShard(
    channels: readonly string[],
    act: (pubSub: PubSubConnection, names: string[]) => Promise<void>,
  ): Promise<void> {
    await Promise.all(
      [...shards.group(channels)].map(([shard, list]) =>
        act(pubSubs.get(shard)!, list.map(keys(shard).pubSub)),
      ),
    );
  }

  /**
   * Append + PUB/SUB in one script, the reply read into the result inside
   * the command's own promise (the hot path: no promise or frame of its own).
   */
  function publishWithHistory(channel: string, data: Uint8Array, o: PublishOptions): Promise<PublishResult> {
    const shard = shards.forChannel(channel);
    const k = keys(shard);
    const payload = encodePublication(data, o.info, o.tags, Date.now(), false, o.version);
    const resultTtl = o.idempotencyKey ? seconds(o.idempotentResultTtl ?? defaultResultTtlMs) : "";
    return historyAddStream.run(
      shard.command,
      [k.stream(channel), k.meta(channel), k.result(channel, o.idempotencyKey ?? "")],
      [
        payload,
        o.historySize,
        seconds(o.historyTtl),
        k.pubSub(channel),
        seconds(o.historyMetaTtl),
        newEpoch(),
        "publish",
        resultTtl,
        o.delta ? "1" : "0",
        o.version ? String(o.version) : "0",
        o.versionEpoch ?? "",
      ],
      readPublishReply,
    ) as Promise<PublishResult>;
  }

  async function publishWithoutHistory(
    channel: string,
    data: Uint8Array,
    o: PublishOptions,
  ): Promise<PublishResult> {
    const shard = shards.forChannel(channel);
    const k = keys(shard);
    const payload = encodePublication(data, o.info, o.tags, Date.now(), o.delta === true, o.version);
    if (o.idempotencyKey) {
      const reply = await publishIdempotent.run(
        shard.command,
        [k.result(channel, o.idempotencyKey)],
        [payload, k.pubSub(channel), "publish", seconds(o.idempotentResultTtl ?? defaultResultTtlMs)],
      );
      // The script answers the cached result (an array) for a key seen before, the receivers count otherwise.
      if (Array.isArray(reply)) return repeatedNoHistory;
    } else {
      await shard.command.publish(
        k.pubSub(channel),
        Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
      );
    }
    return noHistory;
  }

  return {
    async start(h) {
      handler = h;
      await shards.connect();
      await Promise.all(
        shards.list.map((shard) => {
          const k = brokerKeys(shards.prefix, shard.cluster);
          keysOf.set(shard, k);
          const pubSub = new PubSubConnection(shard, [k.service], {
            onMessage: (channel, message) => receive(k, channel, message),
            onFailure: () => report.error("connection"),
            onRestored: (names) => {
              const channels = names.map((name) => k.channelOf(name)).filter((c) => c !== undefined);
              handler?.onDeliveryGap(channels);
            },
          });
          pubSubs.set(shard, pubSub);
          return pubSub.start();
        }),
      );
    },

    publish(channel, data, o) {
      try {
        return keepsHistory(o.historySize, o.historyTtl)
          ? publishWithHistory(channel, data, o)
          : publishWithoutHistory(channel, data, o);
      } catch (err) {
        return Promise.reject(err);
      }
    },

    async publishJoin(channel, info) {
      const shard = shards.forChannel(channel);
      await shard.command.publish(keys(shard).pubSub(channel), encodeJoinLeave("join", info));
    },

    async publishLeave(channel, info) {
      const shard = shards.forChannel(channel);
      await shard.command.publish(keys(shard).pubSub(channel), encodeJoinLeave("leave", info));
    },

    async subscribe(channels) {
      const done: [PubSubConnection, string[]][] = [];
      try {
        await eachShard(channels, async (pubSub, names) => {
          await pubSub.subscribe(names);
          done.push([pubSub, names]);
        });
      } catch (err) {
        report.error("subscribe_channel");
        // The subscribe's failure is the one reported; an undo that fails leaves channels nobody reads.
        await Promise.allSettled(done.map(([pubSub, names]) => pubSub.unsubscribe(names)));
        throw err;
      }
    },

    unsubscribe(channels) {
      return eachShard(channels, (pubSub, names) => pubSub.unsubscribe(names));
    },

    async history(channel: string, filter: HistoryFilter): Promise<HistoryResult> {
      const shard = shards.forChannel(channel);
      const k = keys(shard);
      const reply = await historyStream.run(
        shard.command,
        [k.stream(channel), k.meta(channel)],
        [...historyArgs(filter), seconds(filter.metaTtl), newEpoch()],
      );
      return readHistoryReply(reply);
    },

    async removeHistory(channel) {
      const shard = shards.forChannel(channel);
      await shard.command.del(keys(shard).stream(channel));
    },

    async close() {
      for (const pubSub of pubSubs.values()) pubSub.close();
      handler = undefined;
      shards.release();
    },
  };
}
