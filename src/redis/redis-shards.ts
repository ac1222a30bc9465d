import type { Logger } from "pino";
import type { RedisConnectionConfig } from "../config/engine-schema.js";
import { shardIndex } from "./jump-hash.js";
import { RedisShard } from "./redis-shard.js";
import { shardOptions } from "./shard-options.js";

/**
 * The Redis shards of one config section, shared by the parts that use it
 * (broker, presence manager, controller): channels are spread over them by
 * Centrifugo's jump consistent hash. Connected once by the first part that
 * starts, closed when the last part closes.
 */
export class RedisShards {
  readonly list: RedisShard[];
  private connecting: Promise<void> | undefined;
  private users = 0;

  /** Throws with Centrifugo's wording when an address cannot be read. */
  constructor(
    readonly config: RedisConnectionConfig,
    log: Logger,
  ) {
    const parsed = shardOptions(config);
    if ("error" in parsed) throw new Error(`Redis configuration: ${parsed.error}`);
    this.list = parsed.shards.map((o) => new RedisShard(o, log));
  }

  get prefix(): string {
    return this.config.prefix;
  }

  /** Connects every shard (waiting for Redis as long as it takes); each user calls it once. */
  connect(): Promise<void> {
    this.users += 1;
    this.connecting ??= Promise.all(this.list.map((shard) => shard.connect())).then(() => {});
    return this.connecting;
  }

  /** The shard a channel lives on. */
  forChannel(channel: string): RedisShard {
    return this.list[shardIndex(channel, this.list.length)]!;
  }

  /** Channels grouped by their shard, for commands that take many channels. */
  group(channels: readonly string[]): Map<RedisShard, string[]> {
    const out = new Map<RedisShard, string[]>();
    for (const channel of channels) {
      const shard = this.forChannel(channel);
      const list = out.get(shard);
      if (list) list.push(channel);
      else out.set(shard, [channel]);
    }
    return out;
  }

  /** One user is done; the connections close with the last. */
  release(): void {
    this.users -= 1;
    if (this.users > 0) return;
    for (const shard of this.list) shard.close();
  }
}
