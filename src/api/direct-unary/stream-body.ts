import type { ServerHttp2Stream } from "node:http2";

/** A request body as far as it was collected: whole, or cut at the limit with the stream's rest still to read. */
export interface StreamBody {
  readonly chunks: Buffer[];
  readonly size: number;
  /** The rest of the stream when the body outgrew the limit; the caller reads it (or not) as it likes. */
  readonly rest?: AsyncIterable<Buffer>;
}

/**
 * Collects a request body as it arrives, until it ends or grows past
 * `limit` bytes; in-memory collection stops there, so a caller can hand an
 * outsized body to a stricter reader without buffering all of it.
 */
export function collectBody(stream: ServerHttp2Stream, limit: number): Promise<StreamBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      stream.off("data", onData);
      stream.off("end", onEnd);
      stream.off("error", reject);
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size <= limit) return;
      stop();
      resolve({ chunks, size, rest: stream.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer> });
    };
    const onEnd = () => {
      stop();
      resolve({ chunks, size });
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

/** The collected chunks as one buffer. */
export function joined(body: StreamBody): Buffer {
  return body.chunks.length === 1 ? body.chunks[0]! : Buffer.concat(body.chunks, body.size);
}
