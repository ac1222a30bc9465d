import type { ServerHttp2Stream } from "node:http2";
import { readAllBytes } from "@connectrpc/connect/protocol";
import { collectBody, joined } from "./stream-body.js";

/**
 * The whole body of a Connect unary request. The common body — within the
 * limit, and as long as its Content-Length says when it says — is collected
 * as it arrives; any other goes, with the rest of the stream, through
 * connect-es's own reader, so its errors are the Connect router's.
 */
export async function readRequestBytes(
  stream: ServerHttp2Stream,
  contentLength: string | null | undefined,
  readMaxBytes: number,
): Promise<Uint8Array> {
  const collected = await collectBody(stream, readMaxBytes);
  if (!collected.rest && (contentLength == null || contentLength === String(collected.size)))
    return joined(collected);
  async function* body(): AsyncIterable<Uint8Array> {
    yield* collected.chunks;
    if (collected.rest) yield* collected.rest;
  }
  return readAllBytes(body(), readMaxBytes, contentLength ?? null);
}
