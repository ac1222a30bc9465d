import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import {
  type CommandArg,
  type CommandLead,
  commandLead,
  encodeCommand,
  sendEncoded,
} from "./encoded-command.js";
import type { RedisClient } from "./redis-shard.js";

/** The binary-reply forms of EVALSHA / EVAL, which ioredis defines at runtime but does not type. */
interface BinaryEval {
  evalshaBuffer(...args: (string | number | Buffer)[]): Promise<unknown>;
  evalBuffer(...args: (string | number | Buffer)[]): Promise<unknown>;
}

/** ioredis sends Buffers as bytes but stringifies other typed arrays: hand it a Buffer view. */
function asBuffer(arg: CommandArg): string | number | Buffer {
  return arg instanceof Uint8Array && !Buffer.isBuffer(arg)
    ? Buffer.from(arg.buffer, arg.byteOffset, arg.byteLength)
    : arg;
}

/**
 * A Lua script run by its SHA1 (EVALSHA, pipelined with other commands),
 * sent in full only when the server does not know it yet (NOSCRIPT, e.g.
 * after a restart or on a new cluster node). Replies keep binary strings as
 * Buffers. On a plain connection the EVALSHA is encoded in one buffer (the
 * publish hot path); a cluster goes through ioredis' slot routing.
 */
export class LuaScript {
  /** Public so tools (the benchmark) can load and run the very same script. */
  readonly sha: string;
  /** `EVALSHA <sha> <numkeys>`, encoded once. */
  private readonly lead: CommandLead;

  constructor(
    readonly source: string,
    private readonly numberOfKeys: number,
  ) {
    this.sha = createHash("sha1").update(source).digest("hex");
    this.lead = commandLead(["evalsha", this.sha, numberOfKeys]);
  }

  async run(client: RedisClient, keys: readonly string[], args: readonly CommandArg[]): Promise<unknown> {
    try {
      if (client instanceof Redis) {
        return await sendEncoded(client, "evalsha", encodeCommand(this.lead, keys, args));
      }
      return await (client as unknown as BinaryEval).evalshaBuffer(
        this.sha,
        this.numberOfKeys,
        ...keys,
        ...args.map(asBuffer),
      );
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith("NOSCRIPT")) throw err;
      return (client as unknown as BinaryEval).evalBuffer(
        this.source,
        this.numberOfKeys,
        ...keys,
        ...args.map(asBuffer),
      );
    }
  }
}
