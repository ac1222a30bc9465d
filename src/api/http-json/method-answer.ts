import { isUtf8 } from "node:buffer";
import type { RotorError } from "../../errors/rotor-error.js";
import { decodeJsonMessage } from "../../protocol/json/json-decode.js";
import { encodeJsonMessage } from "../../protocol/json/json-encode.js";
import { transportStatus } from "../api-errors.js";
import type { ApiService } from "../api-service.js";
import type { ErrorMode } from "../connect-api.js";
import { errorBody, httpErrors } from "./http-replies.js";
import type { HttpApiMethod } from "./method-table.js";

/** What one HTTP JSON API request is answered with. */
export interface MethodAnswer {
  readonly status: number;
  readonly body: Buffer;
}

/** What a traced request's span reports when it ends: the API error sent, and the decoded request. */
export interface Seen {
  error?: number;
  request?: unknown;
}

/**
 * How request bodies become messages and responses become JSON. Every codec
 * gives the same messages and the same bytes as the reflective one, which
 * words every decode error.
 */
export interface MethodCodec {
  decode(method: HttpApiMethod, body: Buffer): { value: unknown } | { error: string };
  encode(method: HttpApiMethod, response: object): { value: Buffer } | { error: string };
}

/** Centrifugo's JSON rules read and written from each method's descriptors. */
export const reflectiveCodec: MethodCodec = {
  decode: (method, body) => decodeJsonMessage(method.input, body),
  encode: (method, response) => encodeJsonMessage(method.output, response),
};

/** The raw body of a POST, or why no method can decode it: empty, or not UTF-8. */
export function bodyProblem(body: Buffer | undefined): RotorError | undefined {
  if (!body || body.length === 0) return httpErrors.emptyBody();
  return isUtf8(body) ? undefined : httpErrors.notUtf8();
}

/**
 * Answers one request to `<prefix>/<method>` once its body is read, whoever
 * carries it (the Fastify route or the direct path before Fastify): body
 * checks, decode, the call (through the counted service, so the API metrics
 * see it), the error mode, then the reply.
 */
export async function answerMethod(
  service: ApiService,
  method: HttpApiMethod,
  body: Buffer | undefined,
  mode: ErrorMode,
  codec: MethodCodec,
  seen: Seen,
  warn: (problem: string) => void,
): Promise<MethodAnswer> {
  const fail = (status: number, error: RotorError): MethodAnswer => {
    seen.error = error.code;
    return { status, body: errorBody(error, mode) };
  };
  const run = method.run;
  if (run === undefined) return fail(404, httpErrors.unavailable(method.name));
  const problem = bodyProblem(body);
  if (problem) return fail(400, problem);
  const decoded = codec.decode(method, body!);
  if ("error" in decoded) return fail(400, httpErrors.badBody(decoded.error));
  seen.request = decoded.value;
  let response: object;
  if (run === "batch") {
    response = await service.batch(decoded.value as never);
  } else {
    const outcome = await service.call(run, decoded.value as never);
    if ("error" in outcome) {
      seen.error = outcome.error.code;
      if (mode === "transport") return fail(transportStatus(outcome.error.code).http, outcome.error);
    }
    response = outcome;
  }
  const encoded = codec.encode(method, response);
  if ("error" in encoded) {
    warn(encoded.error);
    return fail(500, httpErrors.payloadNotJson());
  }
  return { status: 200, body: encoded.value };
}
