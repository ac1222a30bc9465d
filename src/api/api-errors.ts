import { Code } from "@connectrpc/connect";
import { ErrorCode, errors, RotorError } from "../errors/rotor-error.js";

/**
 * Errors of the server API, with the messages current Centrifugo answers:
 * 102, 107 and 108 are the client protocol's; 104 is worded differently, and
 * 100 is never marked temporary (the API has no retry hint).
 */
export const apiErrors = {
  internal: () => new RotorError(ErrorCode.Internal, "internal server error"),
  unknownChannel: errors.unknownChannel,
  notFound: () => new RotorError(ErrorCode.MethodNotFound, "not found"),
  badRequest: errors.badRequest,
  notAvailable: errors.notAvailable,
} as const;

/** The `Error` message of a response's `error` field: the code and message, nothing else the value carries. */
export function errorInit(error: RotorError): { code: number; message: string } {
  return { code: error.code, message: error.message };
}

/** The API's view of any failure: a RotorError keeps its code, anything else is 100. */
export function toApiError(err: unknown): RotorError {
  if (err instanceof RotorError) return err;
  return apiErrors.internal();
}

/**
 * The API's view of a failure under publish or history: 100, as Centrifugo
 * answers for every broker error — an engine failure (EngineError, logged by
 * the node) or a broker's refusal (NATS answers history with 108, a wildcard
 * publish with 107) — except the codes listed, which the node itself raises
 * (an unrecoverable position, a bad `since`). Anything that is not a
 * RotorError is a bug and passes unchanged, to be logged and answered with 100.
 */
export function engineFailure(err: unknown, keep: readonly number[] = []): unknown {
  return err instanceof RotorError && !keep.includes(err.code) ? apiErrors.internal() : err;
}

/**
 * Status codes for the transport error mode, where API errors become gRPC /
 * Connect statuses and HTTP statuses instead of an in-body `error`.
 */
export function transportStatus(code: number): { grpc: Code; http: number } {
  switch (code) {
    case ErrorCode.UnknownChannel:
    case ErrorCode.MethodNotFound:
      return { grpc: Code.NotFound, http: 404 };
    case ErrorCode.BadRequest:
    case ErrorCode.NotAvailable:
      return { grpc: Code.InvalidArgument, http: 400 };
    case ErrorCode.UnrecoverablePosition:
      return { grpc: Code.OutOfRange, http: 416 };
    case ErrorCode.Conflict:
      return { grpc: Code.AlreadyExists, http: 409 };
    default:
      return { grpc: Code.Internal, http: 500 };
  }
}
