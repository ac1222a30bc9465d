/**
 * Centrifugo's numbered errors. The numbers are part of the wire contract of both
 * the server API and the client protocol, so they are mirrored exactly.
 */
export const ErrorCode = {
  Internal: 100,
  Unauthorized: 101,
  UnknownChannel: 102,
  PermissionDenied: 103,
  MethodNotFound: 104,
  AlreadySubscribed: 105,
  LimitExceeded: 106,
  BadRequest: 107,
  NotAvailable: 108,
  TokenExpired: 109,
  Expired: 110,
  TooManyRequests: 111,
  UnrecoverablePosition: 112,
  Conflict: 113,
} as const;

/**
 * The one error value of rotor: a Centrifugo code, its message and whether a
 * client may retry. Surfaces turn it into an in-body `error`, a client reply
 * error, or (in transport error mode) a gRPC / Connect / HTTP status.
 */
export class RotorError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly temporary = false,
  ) {
    super(message);
    this.name = "RotorError";
  }
}

/** The errors of the client protocol and the engine, with centrifuge's messages. */
export const errors = {
  internal: () => new RotorError(ErrorCode.Internal, "internal server error", true),
  unauthorized: () => new RotorError(ErrorCode.Unauthorized, "unauthorized"),
  unknownChannel: () => new RotorError(ErrorCode.UnknownChannel, "unknown channel"),
  permissionDenied: () => new RotorError(ErrorCode.PermissionDenied, "permission denied"),
  methodNotFound: () => new RotorError(ErrorCode.MethodNotFound, "method not found"),
  alreadySubscribed: () => new RotorError(ErrorCode.AlreadySubscribed, "already subscribed"),
  limitExceeded: () => new RotorError(ErrorCode.LimitExceeded, "limit exceeded"),
  badRequest: () => new RotorError(ErrorCode.BadRequest, "bad request"),
  notAvailable: () => new RotorError(ErrorCode.NotAvailable, "not available"),
  tokenExpired: () => new RotorError(ErrorCode.TokenExpired, "token expired"),
  expired: () => new RotorError(ErrorCode.Expired, "expired"),
  tooManyRequests: () => new RotorError(ErrorCode.TooManyRequests, "too many requests", true),
  unrecoverablePosition: () => new RotorError(ErrorCode.UnrecoverablePosition, "unrecoverable position"),
  concurrentPagination: () => new RotorError(ErrorCode.Conflict, "concurrent pagination", true),
} as const;

/** Normalises anything thrown into a RotorError; unknown failures become 100. */
export function toRotorError(err: unknown): RotorError {
  return err instanceof RotorError ? err : errors.internal();
}
