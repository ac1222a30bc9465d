import type { Socket } from "node:net";
import type { WebSocket } from "ws";
import type { SessionTransport } from "../../client/transport.js";
import type { WebSocketCompression } from "../../config/websocket-schema.js";
import { closeFrameCode, type Disconnect } from "../../errors/disconnect.js";
import type { ClientCodec } from "../../protocol/client-codec.js";
import { sharedFrame } from "./shared-frame.js";

const maxReasonBytes = 123;

/** The reason cut to what a close frame holds, never inside a UTF-8 character. */
function closeReason(reason: string): string {
  const bytes = Buffer.from(reason);
  if (bytes.length <= maxReasonBytes) return reason;
  let end = maxReasonBytes;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString();
}

/** ws's per-socket frame writer, which its type declarations leave out. */
interface FrameWriter {
  sendFrame(frame: readonly Uint8Array[]): void;
}

/** How the two WebSocket transports differ. */
export interface WebSocketTransportOptions {
  readonly name: "websocket" | "uni_websocket";
  readonly codec: ClientCodec;
  readonly unidirectional: boolean;
  readonly pushDisconnect: boolean;
  /** A batch as one frame of joined messages; otherwise one frame per message. */
  readonly joinBatches: boolean;
  /** How long written bytes may wait for the peer to take them before the connection is dropped (0: forever). */
  readonly writeTimeoutMs: number;
  /** The endpoint's compression, used when this socket negotiated permessage-deflate. */
  readonly compression: WebSocketCompression | undefined;
  /** `uni_websocket.disable_closing_handshake`: end the TCP connection without a close frame. */
  readonly skipClosingHandshake?: boolean;
}

/**
 * A WebSocket connection: the bidirectional protocol (JSON text with
 * newline-joined messages, or binary varint-delimited protobuf, one frame per
 * batch) or bare JSON pushes. A disconnect always travels as the close frame's
 * code and reason, and for the unidirectional form also as a push unless
 * disabled.
 */
export class WebSocketTransport implements SessionTransport {
  readonly name: "websocket" | "uni_websocket";
  readonly codec: ClientCodec;
  readonly unidirectional: boolean;
  readonly emulation = false;
  readonly pushDisconnect: boolean;
  private readonly joinBatches: boolean;
  private readonly writeTimeoutMs: number;
  private readonly compression: WebSocketCompression | undefined;
  private readonly skipClosingHandshake: boolean;
  private writeTimer: NodeJS.Timeout | undefined;
  private drained = false;

  constructor(
    private readonly ws: WebSocket,
    options: WebSocketTransportOptions,
  ) {
    this.name = options.name;
    this.codec = options.codec;
    this.unidirectional = options.unidirectional;
    this.pushDisconnect = options.pushDisconnect;
    this.joinBatches = options.joinBatches;
    this.writeTimeoutMs = options.writeTimeoutMs;
    this.compression = ws.extensions.includes("permessage-deflate") ? options.compression : undefined;
    this.skipClosingHandshake = options.skipClosingHandshake === true;
  }

  bufferedBytes(): number {
    return this.ws.bufferedAmount;
  }

  /**
   * A batch goes out as a frame shared with every other socket given the same
   * batch, written straight to ws's frame writer (safe because data never goes
   * through ws's own deflater, so ws never holds frames back): one frame of
   * joined messages, or one frame per message where batches are not joined;
   * deflated when the socket negotiated permessage-deflate.
   */
  write(messages: readonly Uint8Array[]): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    const sender = (this.ws as unknown as { _sender: FrameWriter })._sender;
    if (messages.length === 1 || this.joinBatches) {
      sender.sendFrame(sharedFrame(messages, this.codec, this.compression));
    } else {
      for (const message of messages) sender.sendFrame(sharedFrame([message], this.codec, this.compression));
    }
    this.watchWrite();
  }

  /**
   * `websocket.write_timeout`: bytes still in the socket's buffer mean the
   * kernel's is full, so the peer takes nothing. If the buffer has not drained
   * once within the timeout, the peer is gone or stuck (a write that blocks
   * that long fails with 3009 in Centrifugo): the socket is dropped, and with
   * it the session. There is no point in a close frame nobody would read.
   */
  private watchWrite(): void {
    if (this.writeTimer || this.writeTimeoutMs <= 0 || this.ws.bufferedAmount === 0) return;
    const socket = (this.ws as unknown as { _socket: Socket })._socket;
    this.drained = false;
    const onDrain = () => {
      this.drained = true;
    };
    socket.on("drain", onDrain);
    this.writeTimer = setTimeout(() => {
      this.writeTimer = undefined;
      socket.off("drain", onDrain);
      if (this.ws.bufferedAmount === 0 || this.ws.readyState !== this.ws.OPEN) return;
      if (this.drained) this.watchWrite();
      else this.ws.terminate();
    }, this.writeTimeoutMs).unref();
  }

  close(disconnect: Disconnect): void {
    const reason = closeReason(disconnect.reason);
    if (this.ws.readyState !== this.ws.OPEN && this.ws.readyState !== this.ws.CONNECTING) return;
    if (this.skipClosingHandshake) {
      // What was written (the disconnect push) goes out first, then the TCP connection ends.
      (this.ws as unknown as { _socket: Socket })._socket.end();
      return;
    }
    this.ws.close(closeFrameCode(disconnect.code), reason);
  }
}
