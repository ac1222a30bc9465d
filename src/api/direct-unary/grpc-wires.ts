import {
  create,
  type DescMessage,
  type DescMethod,
  type MessageInitShape,
  toBinary,
} from "@bufbuild/protobuf";
import { parseTimeout } from "@connectrpc/connect/protocol-grpc";
import { trailerFlag, trailerSerialize } from "@connectrpc/connect/protocol-grpc-web";
import type { RequestHeader } from "../api-key.js";
import { envelope, respond, statusTrailers } from "./grpc-response.js";
import { publishReplyBinary } from "./publish-reply.js";
import { readRequestMessage } from "./request-message.js";
import type { UnaryWire } from "./unary-wire.js";

function timeoutError(header: RequestHeader): Error | undefined {
  const timeout = header("grpc-timeout");
  return timeout == null ? undefined : parseTimeout(timeout, Number.MAX_SAFE_INTEGER).error;
}

/** A method's response in protobuf binary: a Publish result written directly, anything else by protobuf-es. */
function binaryReply(method: DescMethod, response: MessageInitShape<DescMessage>): Uint8Array {
  return publishReplyBinary(method, response) ?? toBinary(method.output, create(method.output, response));
}

const grpcHeaders = { ":status": 200, "content-type": "application/grpc+proto" };
const okTrailers = { "grpc-status": "0" };

/** Native gRPC, binary: one enveloped message, the status in HTTP/2 trailers. */
export function grpcWire(readMaxBytes: number): UnaryWire {
  return {
    protocol: "grpc",
    timeoutError,
    read: (stream, _header, method) => readRequestMessage(stream, method.input, readMaxBytes),
    answer(stream, method, response) {
      respond(stream, grpcHeaders, envelope(0, binaryReply(method, response)), okTrailers);
      return 200;
    },
    fail(stream, err) {
      const trailers: Record<string, string> = {};
      statusTrailers(err).forEach((value, name) => {
        trailers[name] = value;
      });
      respond(stream, grpcHeaders, undefined, trailers);
      return 200;
    },
  };
}

const webHeaders = { ":status": 200, "content-type": "application/grpc-web+proto" };
let okTrailerBytes: Uint8Array | undefined;

/**
 * The trailer envelope of a successful call, built at the first one: `Headers`
 * loads Node's fetch implementation (~2 MB of heap, ~10 MB of RSS), which a
 * server that serves no gRPC-Web call has no use for.
 */
function okTrailer(): Uint8Array {
  okTrailerBytes ??= envelope(trailerFlag, trailerSerialize(new Headers(okTrailers)));
  return okTrailerBytes;
}

/** gRPC-Web, binary: the message and then the status as a trailer envelope, in one body. */
export function grpcWebWire(readMaxBytes: number): UnaryWire {
  return {
    protocol: "grpc_web",
    timeoutError,
    read: (stream, _header, method) => readRequestMessage(stream, method.input, readMaxBytes, trailerFlag),
    answer(stream, method, response) {
      const message = binaryReply(method, response);
      const trailer = okTrailer();
      const body = Buffer.allocUnsafe(5 + message.length + trailer.length);
      envelope(0, message, body);
      body.set(trailer, 5 + message.length);
      respond(stream, webHeaders, body);
      return 200;
    },
    fail(stream, err) {
      const trailers = statusTrailers(err, new Headers(okTrailers));
      respond(stream, webHeaders, envelope(trailerFlag, trailerSerialize(trailers)));
      return 200;
    },
  };
}
