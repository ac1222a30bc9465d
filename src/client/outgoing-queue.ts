import type { SessionTransport } from "./transport.js";

/** More than any transport adds around one message (WebSocket header, SSE `data:`, chunk size). */
const framingBytes = 16;

/**
 * A connection's encoded messages waiting for the next flush, and what its
 * transport still holds unsent: together they are what `client.queue_max_size`
 * limits. The transport's count is read only when an upper bound of it (the
 * last reading plus what was written since: it can only have drained
 * otherwise) says the limit may be passed, so a delivery costs no getter.
 */
export class OutgoingQueue {
  private messages: Uint8Array[] = [];
  private bytes = 0;
  private bufferedBound = 0;

  constructor(private readonly transport: SessionTransport) {}

  /** Queues a message; false, and nothing kept, when the connection holds more than `limit` bytes (0: no limit). */
  add(message: Uint8Array, limit: number): boolean {
    this.messages.push(message);
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
    if (this.messages.length === 0) return;
    const batch = this.messages;
    this.bufferedBound += this.bytes + framingBytes * batch.length;
    this.messages = [];
    this.bytes = 0;
    this.transport.write(batch);
  }

  clear(): void {
    this.messages = [];
    this.bytes = 0;
  }
}
