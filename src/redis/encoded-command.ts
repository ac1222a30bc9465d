import { Command, type Redis } from "ioredis";

/** One argument of a Redis command: text (UTF-8), a number, or bytes. */
export type CommandArg = string | number | Uint8Array;

/** UTF-8 length of `text`, counted in JavaScript for the usual all-ASCII key or number. */
function utf8Length(text: string): number {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) >= 0x80) return Buffer.byteLength(text);
  }
  return text.length;
}

/**
 * The RESP bytes of one command (`*N` followed by N bulk strings), in a
 * single buffer. The text around binary arguments is joined first (its
 * UTF-8 length counted as it grows), so a command costs a few native
 * writes, not two per argument.
 */
export function encodeCommand(parts: readonly CommandArg[]): Buffer {
  const texts: string[] = [];
  const binaries: Uint8Array[] = [];
  let text = `*${parts.length}\r\n`;
  let size = text.length;
  for (const part of parts) {
    let head: string;
    if (typeof part === "string") {
      const length = utf8Length(part);
      head = `$${length}\r\n`;
      text += `${head}${part}\r\n`;
      size += head.length + length + 2;
    } else if (typeof part === "number") {
      const digits = String(part);
      head = `$${digits.length}\r\n`;
      text += `${head}${digits}\r\n`;
      size += head.length + digits.length + 2;
    } else {
      head = `$${part.length}\r\n`;
      texts.push(text + head);
      binaries.push(part);
      text = "\r\n";
      size += head.length + part.length + 2;
    }
  }
  texts.push(text);
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (let i = 0; i < binaries.length; i++) {
    at += out.write(texts[i]!, at);
    out.set(binaries[i]!, at);
    at += binaries[i]!.length;
  }
  out.write(texts[binaries.length]!, at);
  return out;
}

/**
 * A command whose RESP bytes were encoded up front: ioredis queues it for
 * its reply, timeout and connection handling as any other, but skips its
 * per-argument encoding. Replies keep binary strings as Buffers.
 */
class EncodedCommand extends Command {
  constructor(
    name: string,
    private readonly bytes: Buffer,
  ) {
    super(name, [], { replyEncoding: null });
  }

  override toWritable(): Buffer {
    return this.bytes;
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
  const command = new EncodedCommand(name, bytes);
  client.sendCommand(command);
  return command.promise;
}
