import type { WebSocket } from "ws";
import type { SessionTransport } from "../../client/transport.js";
import type { Disconnect } from "../../errors/disconnect.js";
import { jsonCodec } from "../../protocol/json-codec.js";

const maxReasonBytes = 123;

/**
 * A unidirectional WebSocket: bare JSON pushes, one per text frame (or a
 * batch newline-joined in one frame with `join_push_messages`). A disconnect
 * is a push, unless disabled, and always the close frame's code and reason.
 */
export class UniWebSocketTransport implements SessionTransport {
  readonly name = "uni_websocket";
  readonly codec = jsonCodec;
  readonly unidirectional = true;
  readonly emulation = false;

  constructor(
    private readonly ws: WebSocket,
    readonly pushDisconnect: boolean,
    private readonly joinMessages: boolean,
  ) {}

  bufferedBytes(): number {
    return this.ws.bufferedAmount;
  }

  write(messages: readonly Uint8Array[]): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    if (this.joinMessages) {
      this.ws.send(this.codec.join(messages), { binary: false });
      return;
    }
    for (const message of messages) this.ws.send(message, { binary: false });
  }

  close(disconnect: Disconnect): void {
    const reason = Buffer.from(disconnect.reason).subarray(0, maxReasonBytes).toString();
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) {
      this.ws.close(disconnect.code, reason);
    }
  }
}
