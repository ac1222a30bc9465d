import type { ServerHttp2Stream } from "node:http2";
import { readAllBytes } from "@connectrpc/connect/protocol";

/**
 * The whole body of a Connect unary request. The common body — within the
 * limit, and as long as its Content-Length says when it says — is collected
 * as it arrives; any other goes, with the rest of the stream, through
 * connect-es's own reader, so its errors are the Connect router's.
 */
export function readRequestBytes(
  stream: ServerHttp2Stream,
  contentLength: string | null | undefined,
  readMaxBytes: number,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const asConnect = (rest: AsyncIterable<Buffer> | undefined) => {
      async function* body(): AsyncIterable<Uint8Array> {
        yield* chunks;
        if (rest) yield* rest;
      }
      readAllBytes(body(), readMaxBytes, contentLength ?? null).then(resolve, reject);
    };
    const stop = () => {
      stream.off("data", onData);
      stream.off("end", onEnd);
      stream.off("error", reject);
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size <= readMaxBytes) return;
      stop();
      asConnect(stream.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>);
    };
    const onEnd = () => {
      stop();
      if (contentLength != null && contentLength !== String(size)) {
        asConnect(undefined);
        return;
      }
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    // A body that ended before the stream was served (END_STREAM on the headers: no body at all) has
    // already said so; it will not say it again.
    if (stream.readableEnded) {
      onEnd();
      return;
    }
    stream.on("data", onData);
    stream.on("end", onEnd);
    stream.on("error", reject);
  });
}
