import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ErrorSchema } from "../../../gen/api/api_pb.js";
import { ErrorCode, type RotorError } from "../../errors/rotor-error.js";

/** An `api.Error` as v2 responses carry it in their `error` field. */
export type V2Error = MessageInitShape<typeof ErrorSchema>;

/**
 * The messages of Centrifugo v2's API errors (`internal/api/errors.go`). The
 * codes are the current ones, but v2 worded 102 and 104 differently, and v2
 * clients may compare the text.
 */
const v2Messages: Readonly<Record<number, string>> = {
  [ErrorCode.Internal]: "internal server error",
  [ErrorCode.UnknownChannel]: "namespace not found",
  [ErrorCode.MethodNotFound]: "method not found",
  [ErrorCode.LimitExceeded]: "limit exceeded",
  [ErrorCode.BadRequest]: "bad request",
  [ErrorCode.NotAvailable]: "not available",
};

/** An error as v2 reported it; codes v2 never had keep the current message. */
export function toV2Error(error: { readonly code: number; readonly message?: string }): V2Error {
  return { code: error.code, message: v2Messages[error.code] ?? error.message ?? "" };
}

/**
 * The v2 response for an outcome of the one implementation. v2 always answers
 * errors in the body (gRPC status OK), whatever the configured error mode,
 * because that is what v2 clients check.
 */
export function v2Response<R, T>(
  outcome: { result: R } | { error: RotorError },
  convert: (result: R) => T,
): { result: T } | { error: V2Error } {
  return "error" in outcome ? { error: toV2Error(outcome.error) } : { result: convert(outcome.result) };
}

/** The conversion for the v2 methods that answer no result, only success or an error. */
export const noResult = (): Record<string, never> => ({});

/** The body of v2's `bad request`, for the checks v2 made and the current API no longer does. */
export const v2BadRequest = (): { error: V2Error } => ({
  error: toV2Error({ code: ErrorCode.BadRequest }),
});
