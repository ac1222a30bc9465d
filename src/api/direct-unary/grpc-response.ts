import type { ServerHttp2Stream } from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";

/** Answers a stream with headers and a body, unless it is gone; a refused call's unread request is drained. */
export function respond(
  stream: ServerHttp2Stream,
  headers: Record<string, string | number>,
  body: Uint8Array | undefined,
  trailers?: Record<string, string>,
): void {
  if (stream.destroyed || stream.headersSent) return;
  if (trailers) {
    stream.respond(headers, { waitForTrailers: true });
    stream.once("wantTrailers", () => stream.sendTrailers(trailers));
  } else stream.respond(headers);
  stream.end(body);
  // A refused call may leave part of its request unread: drain it so the stream can close.
  if (!stream.readableEnded) stream.resume();
}

/** One message in a gRPC envelope with the given flags. */
export function envelope(flags: number, message: Uint8Array, into?: Buffer, at = 0): Buffer {
  const body = into ?? Buffer.allocUnsafe(5 + message.length);
  body[at] = flags;
  body.writeUInt32BE(message.length, at + 1);
  body.set(message, at + 5);
  return body;
}

/** Any failure as connect-es reports it: a ConnectError as itself, anything else (a bug) as Internal, without its text. */
export function connectErrorOf(err: unknown): ConnectError {
  return err instanceof ConnectError
    ? err
    : new ConnectError("internal error", Code.Internal, undefined, undefined, err);
}

/** The gRPC status trailers connect-es writes for an error (code, percent-encoded message, details). */
export function statusTrailers(err: unknown, into = new Headers()): Headers {
  return setTrailerStatus(into, connectErrorOf(err));
}
