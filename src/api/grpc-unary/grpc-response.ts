import type { ServerHttp2Stream } from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";

/** The response headers the Connect router sends for a binary gRPC call. */
const responseHeaders = { ":status": 200, "content-type": "application/grpc+proto" };
const okTrailers = { "grpc-status": "0" };

function send(stream: ServerHttp2Stream, body: Buffer | undefined, trailers: Record<string, string>): void {
  if (stream.destroyed || stream.headersSent) return;
  stream.respond(responseHeaders, { waitForTrailers: true });
  stream.once("wantTrailers", () => stream.sendTrailers(trailers));
  stream.end(body);
  // A refused call may leave part of its request unread: drain it so the stream can close.
  if (!stream.readableEnded) stream.resume();
}

/** Answers with one message, in one envelope, and status OK. */
export function sendMessage(stream: ServerHttp2Stream, message: Uint8Array): void {
  const body = Buffer.allocUnsafe(5 + message.length);
  body[0] = 0;
  body.writeUInt32BE(message.length, 1);
  body.set(message, 5);
  send(stream, body, okTrailers);
}

/**
 * Answers with an error status, as connect-es writes it (code, percent-encoded
 * message, details in `grpc-status-details-bin`); anything not a ConnectError
 * is a bug and leaves as Internal, without its text.
 */
export function sendError(stream: ServerHttp2Stream, err: unknown): void {
  const error =
    err instanceof ConnectError
      ? err
      : new ConnectError("internal error", Code.Internal, undefined, undefined, err);
  const trailers: Record<string, string> = {};
  setTrailerStatus(new Headers(), error).forEach((value, name) => {
    trailers[name] = value;
  });
  send(stream, undefined, trailers);
}
