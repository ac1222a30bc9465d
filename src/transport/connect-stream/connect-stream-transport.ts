import type { SessionTransport } from "../../client/transport.js";
import type { Disconnect } from "../../errors/disconnect.js";
import { protobufCodec } from "../../protocol/protobuf-codec.js";
import { readVarint } from "../../protocol/varint.js";

/**
 * The session side of one `CentrifugoUniStream.Consume` call. The session
 * writes varint-delimited Push messages (the protobuf codec's unidirectional
 * form, so broadcasts share their encoding with every such stream); this strips
 * the prefix and holds each Push until the RPC pulls it. The RPC pulls only as
 * fast as the peer reads, so what waits here is the slow-client backlog the
 * session weighs against `client.queue_max_size` (3008 past it).
 */
export class ConnectStreamTransport implements SessionTransport {
  readonly name = "uni_grpc";
  readonly codec = protobufCodec;
  readonly unidirectional = true;
  readonly emulation = false;
  readonly pushDisconnect = true;
  private queue: Uint8Array[] = [];
  private head = 0;
  private queuedBytes = 0;
  private ended = false;
  private wake: (() => void) | undefined;

  bufferedBytes(): number {
    return this.queuedBytes;
  }

  write(messages: readonly Uint8Array[]): void {
    if (this.ended) return;
    for (const message of messages) {
      const length = readVarint(message, 0);
      if (!length) continue;
      this.queue.push(message.subarray(length.next, length.next + length.value));
      this.queuedBytes += length.value;
    }
    this.signal();
  }

  /** Ends the stream once what was written before (the disconnect push last) has been pulled. */
  close(_disconnect: Disconnect): void {
    this.ended = true;
    this.signal();
  }

  /** The peer went away: nothing more will be read, so the backlog is dropped at once. */
  abort(): void {
    this.queue = [];
    this.head = 0;
    this.queuedBytes = 0;
    this.ended = true;
    this.signal();
  }

  /** The encoded Push messages in order, one per stream item, until the transport is closed. */
  async *pushes(): AsyncGenerator<Uint8Array> {
    for (;;) {
      if (this.head < this.queue.length) {
        const push = this.queue[this.head]!;
        this.queue[this.head++] = emptyPush;
        this.queuedBytes -= push.length;
        if (this.head === this.queue.length) {
          this.queue = [];
          this.head = 0;
        }
        yield push;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

const emptyPush = new Uint8Array(0);
