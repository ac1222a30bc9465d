import { createHash } from "node:crypto";
import type { RedisClient } from "./redis-shard.js";

type Arg = string | number | Buffer | Uint8Array;

/** The binary-reply forms of EVALSHA / EVAL, which ioredis defines at runtime but does not type. */
interface BinaryEval {
  evalshaBuffer(...args: (string | number | Buffer)[]): Promise<unknown>;
  evalBuffer(...args: (string | number | Buffer)[]): Promise<unknown>;
}

/** ioredis sends Buffers as bytes but stringifies other typed arrays: hand it a Buffer view. */
function asBuffer(arg: Arg): string | number | Buffer {
  return arg instanceof Uint8Array && !Buffer.isBuffer(arg)
    ? Buffer.from(arg.buffer, arg.byteOffset, arg.byteLength)
    : arg;
}

/**
 * A Lua script run by its SHA1 (EVALSHA, auto-pipelined with other
 * commands), sent in full only when the server does not know it yet
 * (NOSCRIPT, e.g. after a restart or on a new cluster node). Replies keep
 * binary strings as Buffers.
 */
export class LuaScript {
  /** Public so tools (the benchmark) can load and run the very same script. */
  readonly sha: string;

  constructor(
    readonly source: string,
    private readonly numberOfKeys: number,
  ) {
    this.sha = createHash("sha1").update(source).digest("hex");
  }

  async run(client: RedisClient, keys: readonly string[], args: readonly Arg[]): Promise<unknown> {
    const all = [...keys, ...args.map(asBuffer)];
    const redis = client as unknown as BinaryEval;
    try {
      return await redis.evalshaBuffer(this.sha, this.numberOfKeys, ...all);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith("NOSCRIPT")) throw err;
      return redis.evalBuffer(this.source, this.numberOfKeys, ...all);
    }
  }
}
