import { Code } from "@connectrpc/connect";
import { ErrorCode, RotorError } from "../errors/rotor-error.js";

/**
 * Errors of the server API, with the messages current Centrifugo answers
 * (104's differs from the client protocol's).
 */
export const apiErrors = {
  internal: () => new RotorError(ErrorCode.Internal, "internal server error"),
  unknownChannel: () => new RotorError(ErrorCode.UnknownChannel, "unknown channel"),
  notFound: () => new RotorError(ErrorCode.MethodNotFound, "not found"),
  badRequest: () => new RotorError(ErrorCode.BadRequest, "bad request"),
  notAvailable: () => new RotorError(ErrorCode.NotAvailable, "not available"),
} as const;

/** The API's view of any failure: a RotorError keeps its code, anything else is 100. */
export function toApiError(err: unknown): RotorError {
  if (err instanceof RotorError) return err;
  return apiErrors.internal();
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
