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
  /** `connect_code_to_http_response`: connect errors answered as HTTP statuses (the head waits for the connect). */
  readonly connectResponses?: ConnectResponses | undefined;
}

/** `connect_code_to_http_response` of `uni_sse` / `uni_http_stream`. */
export interface ConnectResponses {
  readonly enabled: boolean;
  readonly transforms: readonly { code: number; to: { status_code: number; body: string } }[];
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
  private readonly connectResponses: ConnectResponses | undefined;

  /** `writeHead` of the stream: at once, or with `connectResponses` at the first write, after the connect. */
  constructor(
    private readonly res: StreamResponse,
    options: ResponseTransportOptions,
    private head: (() => void) | undefined = undefined,
  ) {
    this.connectResponses = options.connectResponses?.enabled ? options.connectResponses : undefined;
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
    this.writeHead();
    this.res.write(this.framing(messages));
  }

  refuseConnect(code: number, message: string): boolean {
    if (!this.connectResponses || !this.head || this.res.writableEnded || this.res.destroyed) return false;
    this.head = undefined;
    const rule = this.connectResponses.transforms.find((t) => t.code === code);
    const status = rule?.to.status_code ?? 500;
    const body = rule ? rule.to.body || message : "Internal Server Error";
    this.res.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(body);
    return true;
  }

  private writeHead(): void {
    const head = this.head;
    this.head = undefined;
    head?.();
  }

  close(): void {
    if (this.res.destroyed) return;
    this.writeHead();
    if (!this.res.writableEnded) this.res.end();
  }
}
