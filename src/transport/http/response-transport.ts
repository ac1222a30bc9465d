import type { ServerResponse } from "node:http";
import type { SessionTransport } from "../../client/transport.js";
import type { ClientCodec } from "../../protocol/client-codec.js";
import type { Framing } from "./framing.js";

/**
 * The response a streaming transport writes into: HTTP/1.1, or HTTP/2 through
 * Node's compatibility response, which offers the same methods used here.
 */
export type StreamResponse = ServerResponse;

/** What distinguishes the streaming HTTP transports from one another. */
export interface ResponseTransportOptions {
  readonly name: string;
  readonly codec: ClientCodec;
  readonly unidirectional: boolean;
  readonly emulation: boolean;
  readonly framing: Framing;
}

/**
 * A client connection carried by one long HTTP response (HTTP streaming, SSE
 * and their unidirectional forms). The response has no close code, so a
 * disconnect travels as a push before the response ends.
 */
export class ResponseTransport implements SessionTransport {
  readonly name: string;
  readonly codec: ClientCodec;
  readonly unidirectional: boolean;
  readonly emulation: boolean;
  readonly pushDisconnect = true;
  private readonly framing: Framing;

  constructor(
    private readonly res: StreamResponse,
    options: ResponseTransportOptions,
  ) {
    this.name = options.name;
    this.codec = options.codec;
    this.unidirectional = options.unidirectional;
    this.emulation = options.emulation;
    this.framing = options.framing;
  }

  bufferedBytes(): number {
    return this.res.writableLength;
  }

  write(messages: readonly Uint8Array[]): void {
    if (this.res.writableEnded || this.res.destroyed) return;
    this.res.write(this.framing(messages));
  }

  close(): void {
    if (!this.res.writableEnded) this.res.end();
  }
}
