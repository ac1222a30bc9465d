import type { Disconnect } from "../errors/disconnect.js";
import type { ClientCodec } from "../protocol/client-codec.js";

/**
 * What a client session needs from the connection it runs on. Transports
 * (WebSocket, SSE, HTTP streaming, their unidirectional forms, the Connect
 * stream) only move bytes and map closing; the session does the protocol.
 */
export interface SessionTransport {
  /** Transport name reported to the application ("websocket", "sse", …). */
  readonly name: string;
  readonly codec: ClientCodec;
  /** Server → client only: bare pushes, server-side subscriptions, no pongs. */
  readonly unidirectional: boolean;
  /** Set for emulation transports: the connect reply then carries session and node. */
  readonly emulation: boolean;
  /** False for WebSocket, which says why it closes in its close frame instead of a disconnect push. */
  readonly pushDisconnect: boolean;
  /** Bytes the transport has accepted but not yet handed to the kernel. */
  bufferedBytes(): number;
  /** Sends encoded messages as one batch (one frame where the transport has frames). */
  write(messages: readonly Uint8Array[]): void;
  /** Ends the connection; called once, after any disconnect push was written. */
  close(disconnect: Disconnect): void;
  /**
   * Answers a failed connect its own way (an HTTP status, with
   * `connect_code_to_http_response`) instead of a disconnect (`code` and
   * `message` of the error, or of the disconnect); true when it did. The
   * transport then ends and reports itself closed (`closedByTransport`).
   */
  refuseConnect?(code: number, message: string): boolean;
}
