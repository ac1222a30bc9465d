import { Command, type Redis } from "ioredis";
import { CommandTimeouts } from "./command-timeouts.js";

/** One argument of a Redis command: text (UTF-8), a number, or bytes. */
export type CommandArg = string | number | Uint8Array;

/** The leading, fixed parts of a command (e.g. `EVALSHA <sha> <numkeys>`), encoded once. */
export interface CommandLead {
  readonly count: number;
  readonly bytes: Buffer;
}

const noParts: readonly CommandArg[] = [];
const nonAscii = /[\u0080-\uffff]/;

/** Whether `text` has a character outside ASCII, i.e. whether its UTF-8 bytes differ from its char codes. */
export function hasNonAscii(text: string): boolean {
  return nonAscii.test(text);
}

/** UTF-8 length of `text`: its length for the usual all-ASCII key or number, which a regex tells fastest. */
function utf8Length(text: string): number {
  return hasNonAscii(text) ? Buffer.byteLength(text) : text.length;
}

/** Decimal digits of a byte length. */
function digits(n: number): number {
  return n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : String(n).length;
}

/** The bulk strings of `parts`, without the `*N` count, as the lead of commands built later. */
export function commandLead(parts: readonly CommandArg[]): CommandLead {
  const whole = encodeCommand({ count: 0, bytes: Buffer.alloc(0) }, parts);
  const bytes = whole.subarray(whole.indexOf("\r\n") + 2);
  return { count: parts.length, bytes: Buffer.from(bytes) };
}

/**
 * The RESP bytes of one command (`*N`, the lead, then `first` and `second`
 * as bulk strings), in a single buffer. The text around binary arguments is
 * joined first (its UTF-8 length counted as it grows), so a command
 * costs a few native writes, not two per argument.
 */
export function encodeCommand(
  lead: CommandLead,
  first: readonly CommandArg[],
  second: readonly CommandArg[] = noParts,
): Buffer {
  const texts: string[] = [];
  const binaries: Uint8Array[] = [];
  const count = `*${lead.count + first.length + second.length}\r\n`;
  let size = count.length + lead.bytes.length;
  let text = "";
  for (let l = 0; l < 2; l++) {
    const list = l === 0 ? first : second;
    for (let i = 0; i < list.length; i++) {
      const part = list[i]!;
      if (typeof part === "object") {
        const head = `$${part.length}\r\n`;
        texts.push(text + head);
        binaries.push(part);
        text = "\r\n";
        size += head.length + part.length + 2;
      } else {
        const value = typeof part === "number" ? String(part) : part;
        const length = typeof part === "number" ? value.length : utf8Length(value);
        text += `$${length}\r\n${value}\r\n`;
        size += 3 + digits(length) + length + 2;
      }
    }
  }
  texts.push(text);
  const out = Buffer.allocUnsafe(size);
  let at = out.write(count, 0, "latin1");
  out.set(lead.bytes, at);
  at += lead.bytes.length;
  for (let i = 0; i < binaries.length; i++) {
    at += out.write(texts[i]!, at);
    out.set(binaries[i]!, at);
    at += binaries[i]!.length;
  }
  out.write(texts[binaries.length]!, at);
  return out;
}

const timeoutsOf = new WeakMap<Redis, CommandTimeouts>();

/**
 * A command whose RESP bytes were encoded up front: ioredis queues it for
 * its reply and connection handling as any other, but skips its
 * per-argument encoding, and its timeout is the connection's shared timer.
 * Replies keep binary strings as Buffers.
 */
class EncodedCommand extends Command {
  deadline = 0;

  constructor(
    name: string,
    private readonly bytes: Buffer,
    private readonly client: Redis,
  ) {
    super(name, [], { replyEncoding: null });
  }

  override toWritable(): Buffer {
    return this.bytes;
  }

  /** Called by ioredis with its `commandTimeout` as the command is sent. */
  override setTimeout(ms: number): void {
    let timeouts = timeoutsOf.get(this.client);
    if (timeouts?.ms !== ms) {
      timeouts = new CommandTimeouts(ms);
      timeoutsOf.set(this.client, timeouts);
    }
    timeouts.add(this);
  }
}

const corked = new Set<NodeJS.WritableStream & { uncork(): void }>();

function uncorkAll(): void {
  for (const stream of corked) stream.uncork();
  corked.clear();
}

/**
 * Sends a pre-encoded command on a plain (non-cluster) connection. Commands
 * sent in the same turn of the event loop leave in one socket write, as
 * auto-pipelining does, without its per-command pipeline bookkeeping.
 */
export function sendEncoded(client: Redis, name: string, bytes: Buffer): Promise<unknown> {
  const stream = client.stream;
  if (stream && !corked.has(stream)) {
    stream.cork();
    if (corked.size === 0) setImmediate(uncorkAll);
    corked.add(stream);
  }
  const command = new EncodedCommand(name, bytes, client);
  client.sendCommand(command);
  return command.promise;
}
