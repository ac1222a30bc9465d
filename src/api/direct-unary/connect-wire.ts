import { create, type DescMethod } from "@bufbuild/protobuf";
import { createMethodSerializationLookup, validateReadWriteMaxBytes } from "@connectrpc/connect/protocol";
import {
  codeToHttpStatus,
  contentTypeUnaryJson,
  contentTypeUnaryProto,
  errorToJsonBytes,
  parseTimeout,
} from "@connectrpc/connect/protocol-connect";
import { connectJsonOptions } from "../well-formed-json.js";
import { connectErrorOf, respond } from "./grpc-response.js";
import { publishReplyBinary, publishReplyJson } from "./publish-reply.js";
import { readPublishRequest, readPublishRequestJson } from "./publish-request.js";
import { readRequestBytes } from "./request-bytes.js";
import type { UnaryWire } from "./unary-wire.js";

type Serialization = ReturnType<typeof createMethodSerializationLookup>;

/**
 * Connect unary over POST, binary or JSON: the message is the whole body,
 * read and written with connect-es's serializers and the router's JSON
 * options; an error is its JSON with the HTTP status of its code.
 */
export function connectWire(binary: boolean, readMaxBytes: number): UnaryWire {
  const limits = validateReadWriteMaxBytes(readMaxBytes, undefined, undefined);
  const serializations = new Map<DescMethod, Serialization>();
  const serialization = (method: DescMethod) => {
    let found = serializations.get(method);
    if (!found) {
      found = createMethodSerializationLookup(method, undefined, connectJsonOptions, limits);
      serializations.set(method, found);
    }
    return found;
  };
  const contentType = binary ? contentTypeUnaryProto : contentTypeUnaryJson;
  return {
    protocol: binary ? "connect_proto" : "connect_json",
    timeoutError: (header) =>
      parseTimeout(header("connect-timeout-ms") ?? null, Number.MAX_SAFE_INTEGER).error,
    async read(stream, header, method) {
      const bytes = await readRequestBytes(stream, header("content-length"), readMaxBytes);
      const direct = binary
        ? readPublishRequest(method.input, bytes)
        : readPublishRequestJson(method.input, bytes);
      return (direct ?? serialization(method).getI(binary).parse(bytes)) as never;
    },
    answer(stream, method, response) {
      let body: Uint8Array;
      try {
        const direct = binary ? publishReplyBinary(method, response) : publishReplyJson(method, response);
        body =
          direct === undefined
            ? serialization(method).getO(binary).serialize(create(method.output, response))
            : typeof direct === "string"
              ? Buffer.from(direct)
              : direct;
      } catch (err) {
        return this.fail(stream, err);
      }
      respond(
        stream,
        { ":status": 200, "content-type": contentType, "content-length": body.byteLength },
        body,
      );
      return 200;
    },
    fail(stream, err) {
      const error = connectErrorOf(err);
      const status = codeToHttpStatus(error.code);
      const headers: Record<string, string | number> = { ":status": status };
      error.metadata.forEach((value, name) => {
        headers[name] = value;
      });
      headers["content-type"] = contentTypeUnaryJson;
      const body = errorToJsonBytes(error, connectJsonOptions);
      headers["content-length"] = body.byteLength;
      respond(stream, headers, body);
      return status;
    },
  };
}
