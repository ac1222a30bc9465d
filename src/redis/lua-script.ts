import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import {
  type CommandArg,
  type CommandLead,
  commandLead,
  dispatch,
  EncodedCommand,
  encodeCommand,
  type ReadReply,
  sendEncoded,
} from "./encoded-command.js";
import type { RedisClient } from "./redis-shard.js";

/** The binary-reply forms of EVALSHA / EVAL, which ioredis defines at runtime but does not type. */
interface BinaryEval {
  evalshaBuffer(...args: (string | number | Buffer)[]): Promise<unknown>;
  evalBuffer(...args: (string | number | Buffer)[]): Promise<unknown>;
}

const asIs: ReadReply = (reply) => reply;

/** ioredis sends Buffers as bytes but stringifies other typed arrays: hand it a Buffer view. */
function asBuffer(arg: CommandArg): string | number | Buffer {
  return arg instanceof Uint8Array && !Buffer.isBuffer(arg)
    ? Buffer.from(arg.buffer, arg.byteOffset, arg.byteLength)
    : arg;
}

/**
 * EVALSHA of a script on a plain connection. When the server does not know
 * the script (NOSCRIPT), the same call is sent again as EVAL with the script
 * in full (the same bytes after the lead), and the command settles with that
 * reply, read as the first would have been: the caller holds one promise
 * either way, and nothing but the encoded bytes is kept while it waits.
 */
class ScriptCommand extends EncodedCommand {
  readonly failed: (err: Error) => void;

  constructor(
    readonly script: LuaScript,
    client: Redis,
    bytes: Buffer,
    read: ReadReply,
  ) {
    super("evalsha", bytes, client, read);
    this.failed = this.reject;
    this.reject = retryInFull as (err: Error) => void;
  }
}

/** A ScriptCommand's reject: NOSCRIPT sends the script in full, any other error fails the command. */
function retryInFull(this: ScriptCommand, err: Error): void {
  if (err.message.startsWith("NOSCRIPT")) {
    sendEncoded(this.client, "eval", this.script.inFull(this.bytes)).then(
      (reply) => this.resolve(reply),
      this.failed,
    );
  } else this.failed(err);
}

/**
 * A Lua script run by its SHA1 (EVALSHA, pipelined with other commands),
 * sent in full only when the server does not know it yet (NOSCRIPT, e.g.
 * after a restart or on a new cluster node). Replies keep binary strings as
 * Buffers, and `read` (when given) shapes them. On a plain connection the
 * EVALSHA is encoded in one buffer (the publish hot path); a cluster goes
 * through ioredis' slot routing.
 */
export class LuaScript {
  /** Public so tools (the benchmark) can load and run the very same script. */
  readonly sha: string;
  /** `EVALSHA <sha> <numkeys>`, encoded once. */
  private readonly lead: CommandLead;
  /** `EVAL <script> <numkeys>`, for a server that answers NOSCRIPT. */
  private readonly fullLead: CommandLead;

  constructor(
    readonly source: string,
    private readonly numberOfKeys: number,
  ) {
    this.sha = createHash("sha1").update(source).digest("hex");
    this.lead = commandLead(["evalsha", this.sha, numberOfKeys]);
    this.fullLead = commandLead(["eval", source, numberOfKeys]);
  }

  /** The EVAL with the whole script for an encoded EVALSHA of it: its count, this lead, then its own keys and args. */
  inFull(evalsha: Buffer): Buffer {
    const count = evalsha.indexOf("\r\n") + 2;
    return Buffer.concat([
      evalsha.subarray(0, count),
      this.fullLead.bytes,
      evalsha.subarray(count + this.lead.bytes.length),
    ]);
  }

  run(
    client: RedisClient,
    keys: readonly string[],
    args: readonly CommandArg[],
    read: ReadReply = asIs,
  ): Promise<unknown> {
    if (client instanceof Redis) {
      try {
        return dispatch(new ScriptCommand(this, client, encodeCommand(this.lead, keys, args), read));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return this.runRouted(client, keys, args).then(read);
  }

  private runInFull(
    client: RedisClient,
    keys: readonly string[],
    args: readonly CommandArg[],
  ): Promise<unknown> {
    return (client as unknown as BinaryEval).evalBuffer(
      this.source,
      this.numberOfKeys,
      ...keys,
      ...args.map(asBuffer),
    );
  }

  private async runRouted(
    client: RedisClient,
    keys: readonly string[],
    args: readonly CommandArg[],
  ): Promise<unknown> {
    try {
      return await (client as unknown as BinaryEval).evalshaBuffer(
        this.sha,
        this.numberOfKeys,
        ...keys,
        ...args.map(asBuffer),
      );
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith("NOSCRIPT")) throw err;
      return this.runInFull(client, keys, args);
    }
  }
}
