import type { SessionTransport } from "./transport.js";

/** More than any transport adds around one message (WebSocket header, SSE `data:`, chunk size). */
const framingBytes = 16;

/** The last one-message batch handed out, and the message it holds. */
let soleMessage: Uint8Array | undefined;
let sole: readonly Uint8Array[] = [];

/**
 * A batch of one message, shared by every connection flushed with that same
 * message: a broadcast's subscribers are flushed one after another, so the
 * broadcast makes one array, not one per subscriber. Per-subscriber arrays
 * lived from one flush to the next, so V8 saw them survive scavenges,
 * allocated them in old space directly and a steady broadcast filled old
 * space at megabytes a second (longer scavenges, more full collections: the
 * delivery latency's tail). Batches are never mutated, which makes sharing safe.
 */
function soleBatch(message: Uint8Array): readonly Uint8Array[] {
  if (message !== soleMessage) {
    soleMessage = message;
    sole = [message];
  }
  return sole;
}

/**
 * A connection's encoded messages waiting for the next flush, and what its
 * transport still holds unsent: together they are what `client.queue_max_size`
 * limits. The transport's count is read only when an upper bound of it (the
 * last reading plus what was written since: it can only have drained
 * otherwise) says the limit may be passed, so a delivery costs no getter. One
 * message waiting (the common case) is held alone; an array is made only for
 * a second.
 */
export class OutgoingQueue {
  private first: Uint8Array | undefined;
  /** Every queued message, the first included, once there are two or more. */
  private several: Uint8Array[] | undefined;
  private bytes = 0;
  private bufferedBound = 0;

  constructor(private readonly transport: SessionTransport) {}

  /** Queues a message; false, and nothing kept, when the connection holds more than `limit` bytes (0: no limit). */
  add(message: Uint8Array, limit: number): boolean {
    if (this.first === undefined) this.first = message;
    else if (this.several === undefined) this.several = [this.first, message];
    else this.several.push(message);
    this.bytes += message.length;
    if (limit > 0 && this.bytes + this.bufferedBound > limit) {
      this.bufferedBound = this.transport.bufferedBytes();
      if (this.bytes + this.bufferedBound > limit) {
        this.clear();
        return false;
      }
    }
    return true;
  }

  /** Hands every queued message to the transport as one batch. */
  writeAll(): void {
    if (this.first === undefined) return;
    const batch = this.several ?? soleBatch(this.first);
    this.bufferedBound += this.bytes + framingBytes * batch.length;
    this.clear();
    this.transport.write(batch);
  }

  clear(): void {
    this.first = undefined;
    this.several = undefined;
    this.bytes = 0;
  }
}
