import type { WebSocket } from "ws";
import type { SessionTransport } from "../../client/transport.js";
import type { Disconnect } from "../../errors/disconnect.js";
import type { ClientCodec } from "../../protocol/client-codec.js";

const maxReasonBytes = 123;

/** The reason cut to what a close frame holds, never inside a UTF-8 sequence (ws refuses the frame then). */
function closeReason(reason: string): string {
  const bytes = Buffer.from(reason);
  if (bytes.length <= maxReasonBytes) return reason;
  let end = maxReasonBytes;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end -= 1;
  return bytes.subarray(0, end).toString();
}

/**
 * A bidirectional WebSocket connection: one frame per batch (JSON text with
 * newline-joined messages, or binary varint-delimited protobuf); disconnects
 * travel as the close frame's code and reason.
 */
export class WebSocketTransport implements SessionTransport {
  readonly name = "websocket";
  readonly unidirectional = false;
  readonly emulation = false;
  readonly pushDisconnect = false;
  private readonly binary: boolean;

  constructor(
    private readonly ws: WebSocket,
    readonly codec: ClientCodec,
  ) {
    this.binary = codec.name === "protobuf";
  }

  bufferedBytes(): number {
    return this.ws.bufferedAmount;
  }

  write(messages: readonly Uint8Array[]): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(this.codec.join(messages), { binary: this.binary });
  }

  close(disconnect: Disconnect): void {
    const reason = closeReason(disconnect.reason);
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) {
      this.ws.close(disconnect.code, reason);
    }
  }
}
