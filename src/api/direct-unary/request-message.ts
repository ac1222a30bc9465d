import type { ServerHttp2Stream } from "node:http2";
import { type DescMessage, fromBinary, type MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  createMethodSerializationLookup,
  pipe,
  transformDecompressEnvelope,
  transformParseEnvelope,
  transformSplitEnvelope,
  validateReadWriteMaxBytes,
} from "@connectrpc/connect/protocol";

const headerBytes = 5;

/**
 * The body of a request the common way: one uncompressed envelope holding
 * exactly the bytes that follow its header, within the size limit.
 */
function singleEnvelope(body: Buffer, readMaxBytes: number): Buffer | undefined {
  if (body.length < headerBytes || body[0] !== 0) return undefined;
  const length = body.readUInt32BE(1);
  if (length !== body.length - headerBytes || length > readMaxBytes) return undefined;
  return body.subarray(headerBytes);
}

/**
 * Reads the request message as connect-es does (its envelope reader and
 * parser, with the same limit), for every body that is not the common case:
 * a malformed request gets exactly the error the Connect router gives it.
 */
async function readAsConnect<I extends DescMessage>(
  schema: I,
  head: readonly Buffer[],
  rest: AsyncIterable<Buffer> | undefined,
  readMaxBytes: number,
): Promise<MessageShape<I>> {
  const limits = validateReadWriteMaxBytes(readMaxBytes, undefined, undefined);
  const serialization = createMethodSerializationLookup(
    { input: schema, output: schema } as never,
    undefined,
    undefined,
    limits,
  );
  async function* body(): AsyncIterable<Uint8Array> {
    yield* head;
    if (rest) yield* rest;
  }
  const messages = pipe(
    body(),
    transformSplitEnvelope(readMaxBytes),
    transformDecompressEnvelope(null, readMaxBytes),
    transformParseEnvelope<MessageShape<I>>(serialization.getI(true) as never),
  )[Symbol.asyncIterator]();
  const first = await messages.next();
  if (first.done)
    throw new ConnectError("protocol error: missing input message for unary method", Code.Unimplemented);
  if (!(await messages.next()).done)
    throw new ConnectError(
      "protocol error: received extra input message for unary method",
      Code.Unimplemented,
    );
  return first.value;
}

/**
 * The one request message of a unary gRPC call without `grpc-encoding`: the
 * body is collected (never more than one message of `readMaxBytes` can hold)
 * and decoded in one step; any other body is handed, with the rest of the
 * stream, to connect-es's reader, so errors stay those of the Connect router.
 */
export function readRequestMessage<I extends DescMessage>(
  stream: ServerHttp2Stream,
  schema: I,
  readMaxBytes: number,
): Promise<MessageShape<I>> {
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
      if (size <= readMaxBytes + headerBytes) return;
      stop();
      const rest = stream.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>;
      readAsConnect(schema, chunks, rest, readMaxBytes).then(resolve, reject);
    };
    const onEnd = () => {
      stop();
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      const payload = singleEnvelope(body, readMaxBytes);
      if (payload) {
        try {
          resolve(fromBinary(schema, payload));
          return;
        } catch {
          // Parsed again below, for connect-es's wording of the error.
        }
      }
      readAsConnect(schema, [body], undefined, readMaxBytes).then(resolve, reject);
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
