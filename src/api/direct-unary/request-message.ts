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
import { readPublishRequest } from "./publish-request.js";
import { collectBody, joined } from "./stream-body.js";

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
 * parser, with the same limit and the wire's end-stream flag), for every
 * body that is not the common case: a malformed request gets exactly the
 * error the Connect router gives it.
 */
async function readAsConnect<I extends DescMessage>(
  schema: I,
  head: readonly Buffer[],
  rest: AsyncIterable<Buffer> | undefined,
  readMaxBytes: number,
  endStreamFlag: number | undefined,
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
    endStreamFlag === undefined
      ? transformParseEnvelope<MessageShape<I>>(serialization.getI(true) as never)
      : transformParseEnvelope<MessageShape<I>>(serialization.getI(true) as never, endStreamFlag),
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
 * `endStreamFlag` is the wire's flag for an envelope that is not a message
 * (gRPC-Web's trailers): such an envelope is passed over, as the router's
 * gRPC-Web handler does, so a body holding only that has no message.
 */
export async function readRequestMessage<I extends DescMessage>(
  stream: ServerHttp2Stream,
  schema: I,
  readMaxBytes: number,
  endStreamFlag?: number,
): Promise<MessageShape<I>> {
  const collected = await collectBody(stream, readMaxBytes + headerBytes);
  if (collected.rest)
    return readAsConnect(schema, collected.chunks, collected.rest, readMaxBytes, endStreamFlag);
  const body = joined(collected);
  const payload = singleEnvelope(body, readMaxBytes);
  if (payload) {
    try {
      return readPublishRequest(schema, payload) ?? fromBinary(schema, payload);
    } catch {
      // Parsed again below, for connect-es's wording of the error.
    }
  }
  return readAsConnect(schema, [body], undefined, readMaxBytes, endStreamFlag);
}
