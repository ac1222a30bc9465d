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

/** Decimal digits of a non-negative integer. */
function digits(n: number): number {
  let count = 1;
  for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) count++;
  return count;
}

/** Writes the decimal digits of a non-negative integer at `at`; returns the offset after them. */
function writeDigits(out: Buffer, n: number, at: number): number {
  const end = at + digits(n);
  let rest = n;
  for (let i = end - 1; i >= at; i--) {
    out[i] = 48 + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  return end;
}

/** A number argument Redis reads as its decimal digits, written without a string when it is a plain integer. */
const plainInteger = (n: number) => Number.isSafeInteger(n) && n >= 0;

/** Strings shorter than this are copied char by char: cheaper than a native write for keys and flags. */
const shortText = 48;

/** UTF-8 byte lengths of the text parts, by part index, for the write pass (commands are encoded one at a time). */
let lengths = new Int32Array(32);

/** The bulk strings of `parts`, without the `*N` count, as the lead of commands built later. */
export function commandLead(parts: readonly CommandArg[]): CommandLead {
  const whole = encodeCommand({ count: 0, bytes: Buffer.alloc(0) }, parts);
  const bytes = whole.subarray(whole.indexOf("\r\n") + 2);
  return { count: parts.length, bytes: Buffer.from(bytes) };
}

/** Bytes of one argument's content; for text, its UTF-8 length is kept in `lengths[index]`. */
function measure(part: CommandArg, index: number): number {
  if (typeof part === "object") return part.length;
  if (typeof part === "number") return plainInteger(part) ? digits(part) : String(part).length;
  const length = hasNonAscii(part) ? Buffer.byteLength(part) : part.length;
  lengths[index] = length;
  return length;
}

/** Writes one argument as a bulk string at `at`; returns the offset after it. */
function writeBulk(out: Buffer, part: CommandArg, index: number, at: number): number {
  out[at++] = 0x24; // $
  if (typeof part === "object") {
    at = writeDigits(out, part.length, at);
    out[at++] = 13;
    out[at++] = 10;
    out.set(part, at);
    at += part.length;
  } else if (typeof part === "number" && plainInteger(part)) {
    at = writeDigits(out, digits(part), at);
    out[at++] = 13;
    out[at++] = 10;
    at = writeDigits(out, part, at);
  } else {
    const text = typeof part === "number" ? String(part) : part;
    const length = typeof part === "number" ? text.length : lengths[index]!;
    at = writeDigits(out, length, at);
    out[at++] = 13;
    out[at++] = 10;
    if (length !== text.length) out.write(text, at, "utf8");
    else if (length >= shortText) out.write(text, at, "latin1");
    else for (let i = 0; i < length; i++) out[at + i] = text.charCodeAt(i);
    at += length;
  }
  out[at++] = 13;
  out[at++] = 10;
  return at;
}

/**
 * The RESP bytes of one command (`*N`, the lead, then `first` and `second`
 * as bulk strings), in a single buffer: sizes are counted first, then every
 * header, number and short ASCII text is written byte by byte into it, so
 * encoding a command allocates nothing but that buffer.
 */
export function encodeCommand(
  lead: CommandLead,
  first: readonly CommandArg[],
  second: readonly CommandArg[] = noParts,
): Buffer {
  const parts = first.length + second.length;
  if (lengths.length < parts) lengths = new Int32Array(parts * 2);
  const count = lead.count + parts;
  let size = 3 + digits(count) + lead.bytes.length;
  for (let i = 0; i < parts; i++) {
    const length = measure(i < first.length ? first[i]! : second[i - first.length]!, i);
    size += 5 + digits(length) + length;
  }
  const out = Buffer.allocUnsafe(size);
  out[0] = 0x2a; // *
  let at = writeDigits(out, count, 1);
  out[at++] = 13;
  out[at++] = 10;
  out.set(lead.bytes, at);
  at += lead.bytes.length;
  for (let i = 0; i < parts; i++) {
    at = writeBulk(out, i < first.length ? first[i]! : second[i - first.length]!, i, at);
  }
  return out;
}

const timeoutsOf = new WeakMap<Redis, CommandTimeouts>();

/** Maps a command's raw reply (binary strings as Buffers) to what its promise resolves with; a throw rejects it. */
export type ReadReply = (reply: unknown) => unknown;

const asIs: ReadReply = (reply) => reply;

/**
 * A command whose RESP bytes were encoded up front: ioredis queues it for
 * its reply and connection handling as any other, but skips its
 * per-argument encoding, and its timeout is the connection's shared timer.
 * Replies keep binary strings as Buffers; `read` shapes the reply inside
 * ioredis' own resolve, so the caller needs no promise of its own for it.
 */
export class EncodedCommand extends Command {
  deadline = 0;

  constructor(
    name: string,
    readonly bytes: Buffer,
    readonly client: Redis,
    private readonly read: ReadReply = asIs,
  ) {
    super(name, [], { replyEncoding: null });
  }

  override toWritable(): Buffer {
    return this.bytes;
  }

  /** ioredis' hook between the reply and the promise; typed by ioredis for its own string/Buffer replies. */
  override transformReply(reply: Buffer | Buffer[]): Buffer {
    return this.read(reply) as Buffer;
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
 * Sends a pre-encoded command on its plain (non-cluster) connection.
 * Commands sent in the same turn of the event loop leave in one socket
 * write, as auto-pipelining does, without its per-command pipeline
 * bookkeeping.
 */
export function dispatch(command: EncodedCommand): Promise<unknown> {
  const stream = command.client.stream;
  if (stream && !corked.has(stream)) {
    stream.cork();
    if (corked.size === 0) setImmediate(uncorkAll);
    corked.add(stream);
  }
  command.client.sendCommand(command);
  return command.promise;
}

/** Sends the command `bytes` encode (see `dispatch`); its promise resolves with the reply as `read` shapes it. */
export function sendEncoded(
  client: Redis,
  name: string,
  bytes: Buffer,
  read: ReadReply = asIs,
): Promise<unknown> {
  return dispatch(new EncodedCommand(name, bytes, client, read));
}
