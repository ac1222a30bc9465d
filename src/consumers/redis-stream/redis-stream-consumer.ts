import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import type { RedisStreamConsumerConfig } from "../../config/consumers-schema.js";
import { RedisShard, reconnectDelayMs } from "../../redis/redis-shard.js";
import { shardOptions } from "../../redis/shard-options.js";
import type { Consumer, ConsumerContext } from "../consumer.js";
import type { ConsumeOutcome } from "../consumer-dispatcher.js";
import { readEntries, type StreamEntry } from "./stream-entries.js";

/** How long one XREADGROUP waits for entries (Centrifugo's). */
const blockMs = 5000;
/** How often entries pending too long on any consumer are claimed, at most (Centrifugo's; sooner for a shorter visibility timeout). */
const claimEveryMs = 5000;
/** Pause after a failed read (Centrifugo's). */
const readPauseMs = 200;

/**
 * The `redis_stream` consumer: each stream read through a consumer group,
 * `num_workers` entries at a time on a blocking connection of its own.
 * An entry is acknowledged (XACK) only once handled; one that asks for a
 * retry, or whose node dies before the ack, stays pending and is claimed
 * (XAUTOCLAIM) by a node of the group once idle for `visibility_timeout`.
 * Each start is a new consumer name in the group, so a restarted node
 * claims its old entries like any other node's.
 */
export function createRedisStreamConsumer(
  options: RedisStreamConsumerConfig,
  ctx: ConsumerContext,
): Consumer {
  const parsed = shardOptions({ ...options, prefix: "" });
  if ("error" in parsed) throw new Error(`${ctx.where}: ${parsed.error}`);
  if (parsed.shards.length !== 1) {
    throw new Error(`${ctx.where}: expected a single Redis shard, got ${parsed.shards.length}`);
  }
  const shard = new RedisShard(parsed.shards[0]!, ctx.log);
  const group = options.consumer_group;
  const consumerName = randomUUID();
  const mode = options.publication_data_mode;
  const readers: Redis[] = [];
  /** XAUTOCLAIM on a connection of its own: ioredis' auto-pipelining garbles `callBuffer`. */
  let claimer: Redis | undefined;
  const loops: Promise<void>[] = [];
  let claimTimer: NodeJS.Timeout | undefined;
  let claiming: Promise<void> = Promise.resolve();
  let closed = false;

  function dispatch(entry: StreamEntry): Promise<ConsumeOutcome> | ConsumeOutcome {
    const payload = entry.fields.get(options.payload_value);
    if (payload === undefined) {
      ctx.log.error({ id: entry.id, field: options.payload_value }, "skip stream entry without payload");
      return "processed";
    }
    if (mode.enabled) {
      const metadata = new Map([...entry.fields].map(([name, value]) => [name, value.toString()]));
      return ctx.dispatcher.publication(payload, metadata, mode);
    }
    return ctx.dispatcher.command(entry.fields.get(options.method_value)?.toString() ?? "", payload);
  }

  async function handle(stream: string, entry: StreamEntry): Promise<void> {
    if ((await dispatch(entry)) === "retry") {
      ctx.metrics.error();
      return;
    }
    try {
      await shard.command.xack(stream, group, entry.id);
      ctx.metrics.processed();
    } catch (err) {
      ctx.metrics.error();
      shard.warn(err as Error, "XACK failed (the entry will be delivered again)");
    }
  }

  async function createGroup(stream: string): Promise<void> {
    try {
      await shard.command.xgroup("CREATE", stream, group, "$", "MKSTREAM");
    } catch (err) {
      if (!(err as Error).message.startsWith("BUSYGROUP")) throw err;
    }
  }

  async function read(stream: string, reader: Redis): Promise<void> {
    while (!closed) {
      let entries: StreamEntry[];
      try {
        const reply = (await reader.callBuffer(
          "XREADGROUP",
          "GROUP",
          group,
          consumerName,
          "COUNT",
          options.num_workers,
          "BLOCK",
          blockMs,
          "STREAMS",
          stream,
          ">",
        )) as [Buffer, unknown][] | null;
        entries = readEntries(reply?.[0]?.[1]);
        shard.recovered("XREADGROUP failed");
      } catch (err) {
        if (closed) return;
        shard.warn(err as Error, "XREADGROUP failed");
        if ((err as Error).message.startsWith("NOGROUP")) await createGroup(stream).catch(() => {});
        await sleep(readPauseMs);
        continue;
      }
      await Promise.all(entries.map((entry) => handle(stream, entry)));
    }
  }

  async function claim(stream: string): Promise<void> {
    let start = "0-0";
    do {
      const reply = (await claimer!.callBuffer(
        "XAUTOCLAIM",
        stream,
        group,
        consumerName,
        options.visibility_timeout,
        start,
        "COUNT",
        options.num_workers,
      )) as [Buffer, unknown, ...unknown[]];
      start = reply[0].toString();
      const entries = readEntries(reply[1]);
      await Promise.all(entries.map((entry) => handle(stream, entry)));
    } while (start !== "0-0" && !closed);
  }

  /** A connection outside the shard's pipeline (RESP2, so replies are arrays), reconnecting by itself. */
  function connection(timeoutMs: number): Redis {
    const redis = new Redis({
      ...shard.pubSubOptions(),
      protocol: 2,
      lazyConnect: false,
      enableOfflineQueue: true,
      retryStrategy: () => reconnectDelayMs,
      commandTimeout: timeoutMs,
      socketTimeout: undefined,
    });
    redis.on("error", (err: Error) => shard.warn(err, "stream connection failed"));
    return redis;
  }

  function claimAll(): void {
    claiming = Promise.all(options.streams.map((stream) => claim(stream)))
      .then(() => shard.recovered("XAUTOCLAIM failed"))
      .catch((err: Error) => shard.warn(err, "XAUTOCLAIM failed"))
      .finally(() => {
        if (!closed) claimTimer = setTimeout(claimAll, Math.min(claimEveryMs, options.visibility_timeout));
      });
  }

  return {
    async start() {
      await shard.connect();
      try {
        if (shard.cluster) throw new Error("rotor does not read streams from a Redis Cluster yet");
        for (const stream of options.streams) await createGroup(stream);
      } catch (err) {
        shard.close();
        throw new Error(`${ctx.where}: ${(err as Error).message}`);
      }
      for (const stream of options.streams) {
        const reader = connection(blockMs + shard.options.ioTimeout);
        readers.push(reader);
        loops.push(read(stream, reader));
      }
      claimer = connection(shard.options.ioTimeout);
      claimAll();
      ctx.log.info(
        { streams: options.streams, group, consumer: consumerName },
        "redis stream consumer started",
      );
    },
    async close() {
      closed = true;
      clearTimeout(claimTimer);
      for (const reader of readers) reader.disconnect();
      claimer?.disconnect();
      await Promise.all([...loops, claiming]);
      shard.close();
    },
  };
}
