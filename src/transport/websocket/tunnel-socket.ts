import http2, { type OutgoingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import { Duplex } from "node:stream";

const { NGHTTP2_NO_ERROR } = http2.constants;

/** HTTP/1.1 headers that HTTP/2 forbids or that mean nothing once the stream is the tunnel. */
const droppedHeaders = new Set([
  "connection",
  "upgrade",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "content-length",
]);

interface Response {
  readonly status: number;
  readonly headers: OutgoingHttpHeaders;
  readonly body: Buffer;
}

/** The HTTP/1.1 response an upgrade handler wrote, split into status, headers and body. */
function parseResponse(bytes: Buffer, keepAccept: boolean): Response {
  const end = bytes.indexOf("\r\n\r\n");
  const headEnd = end < 0 ? bytes.length : end;
  const [statusLine = "", ...lines] = bytes.subarray(0, headEnd).toString("latin1").split("\r\n");
  const status = Number(statusLine.split(" ")[1]);
  const headers: OutgoingHttpHeaders = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (droppedHeaders.has(name) || (name === "sec-websocket-accept" && !keepAccept)) continue;
    headers[name] = line.slice(colon + 1).trim();
  }
  return { status, headers, body: end < 0 ? Buffer.alloc(0) : bytes.subarray(end + 4) };
}

/**
 * An HTTP/2 extended CONNECT stream (RFC 8441) as the socket a WebSocket
 * upgrade handler expects. The handler answers as it would on HTTP/1.1, in
 * one write: `101 Switching Protocols` becomes the `200` that opens the
 * tunnel, with the negotiated subprotocol and extensions (and the accept
 * value only when the client sent a key of its own: RFC 8441 drops the
 * exchange, but some clients, undici's among them, still check it); any other status is sent
 * as the stream's whole response, and the stream is then closed without error,
 * as RFC 9113 §8.1 lets a server end a request it has answered. After the
 * `200` the stream's bytes are the WebSocket's, both ways, with the stream's
 * flow control as backpressure. Ending the socket ends and closes the stream;
 * destroying it resets the stream (NO_ERROR), and a stream that closes
 * destroys the socket.
 */
export class TunnelSocket extends Duplex {
  private answered = false;
  /** Answered with a refusal: the stream closes once that response is out. */
  private refused = false;

  /** `keepAccept`: the client sent a Sec-WebSocket-Key and gets its Sec-WebSocket-Accept. */
  constructor(
    private readonly stream: ServerHttp2Stream,
    private readonly keepAccept: boolean,
  ) {
    super();
    stream.on("data", (chunk: Buffer) => {
      if (!this.push(chunk)) stream.pause();
    });
    stream.on("end", () => this.push(null));
    stream.on("error", (err) => this.destroy(err));
    stream.on("close", () => this.destroy());
  }

  override _read(): void {
    this.stream.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    if (this.stream.destroyed) {
      done();
      return;
    }
    if (!this.answered) {
      this.answered = true;
      try {
        this.answer(parseResponse(chunk, this.keepAccept));
        done();
      } catch (err) {
        done(err as Error);
      }
      return;
    }
    if (this.stream.write(chunk)) done();
    else this.stream.once("drain", () => done());
  }

  /**
   * ws ends its socket once the close handshake is over. The stream is then
   * closed outright (NO_ERROR, after what was written): a client that keeps
   * its half open — as undici does — would otherwise hold it until ws's
   * 30-second close timer.
   */
  override _final(done: (err?: Error | null) => void): void {
    if (!this.stream.writableEnded) this.stream.end();
    this.stream.close(NGHTTP2_NO_ERROR);
    done();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    if (!this.stream.destroyed && !this.refused) this.stream.destroy();
    done(err);
  }

  private answer(response: Response): void {
    if (response.status === 101) {
      this.stream.respond({ ":status": 200, ...response.headers });
      return;
    }
    this.refused = true;
    this.stream.respond({ ":status": response.status || 500, ...response.headers });
    this.stream.end(response.body);
    this.stream.close(NGHTTP2_NO_ERROR);
  }
}
