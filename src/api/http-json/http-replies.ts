import type { FastifyReply } from "fastify";
import { ErrorSchema } from "../../../gen/centrifugal/centrifugo/api/api_pb.js";
import { ErrorCode, RotorError } from "../../errors/rotor-error.js";
import { writeJsonMessage } from "../../protocol/json/json-encode.js";
import { JsonWriter } from "../../protocol/json/json-writer.js";
import type { ErrorMode } from "../connect-api.js";

/** Sends a JSON body with a status. */
export function sendJson(reply: FastifyReply, status: number, body: Uint8Array): FastifyReply {
  return reply.code(status).header("content-type", "application/json").send(body);
}

/**
 * An error in the one shape of the HTTP JSON API: the API's error object
 * `{"code":N,"message":"…"}`, wrapped as `{"error":{…}}` by default and bare
 * in transport error mode, so a client parses every failure the same way
 * whatever the status. Failures of the request itself (not JSON, unknown
 * method, too large) use this shape too, with a message that says what is
 * wrong, e.g. `bad request: channel: expected a string, got the number 1`.
 */
export function errorBody(error: RotorError, mode: ErrorMode): Buffer {
  const w = new JsonWriter();
  if (mode !== "transport") w.ascii('{"error":');
  writeJsonMessage(w, ErrorSchema, error);
  if (mode !== "transport") w.ascii("}");
  return w.finish();
}

/** Sends an error with its status, in the shape `errorBody` documents. */
export function sendError(
  reply: FastifyReply,
  status: number,
  error: RotorError,
  mode: ErrorMode,
): FastifyReply {
  return sendJson(reply, status, errorBody(error, mode));
}

/** Errors of the HTTP surface itself, before or after the method runs. */
export const httpErrors = {
  emptyBody: () =>
    new RotorError(ErrorCode.BadRequest, "bad request: the body is empty; send a JSON object, at least {}"),
  /**
   * JSON text is UTF-8 (RFC 8259). Checked before decoding because payloads
   * are kept as raw bytes: an invalid one would be published and then make
   * every HTTP read of the channel's history fail.
   */
  notUtf8: () =>
    new RotorError(ErrorCode.BadRequest, "bad request: the body is not valid UTF-8, which JSON must be"),
  badBody: (detail: string) => new RotorError(ErrorCode.BadRequest, `bad request: ${detail}`),
  tooLarge: (limit: number) =>
    new RotorError(ErrorCode.BadRequest, `bad request: the body is larger than the limit of ${limit} bytes`),
  unknownMethod: (name: string) =>
    new RotorError(
      ErrorCode.MethodNotFound,
      `not found: there is no server API method ${JSON.stringify(name)}`,
    ),
  unavailable: (name: string) =>
    new RotorError(
      ErrorCode.MethodNotFound,
      `not found: ${JSON.stringify(name)} is a Centrifugo method that is not available in rotor`,
    ),
  payloadNotJson: () =>
    new RotorError(
      ErrorCode.Internal,
      "internal server error: the result holds a payload that is not JSON (binary data, e.g. published " +
        "over gRPC or with b64data), which the HTTP JSON API cannot carry; read it over the gRPC or " +
        "Connect API, or publish JSON",
    ),
} as const;
