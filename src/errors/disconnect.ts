/**
 * Why a connection is closed. Codes 3000–3499 and 4000–4499 tell clients to
 * reconnect; 3500–3999 and 4500–4999 are terminal. WebSocket carries the value
 * as its close frame; other transports as a `disconnect` push.
 *
 * A client command handler ends its connection by throwing one (`throw
 * disconnects.badRequest`); the session catches it in one place and closes.
 * It is a value, not an Error: it is expected control flow and needs no stack.
 */
export class Disconnect {
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    Object.freeze(this);
  }
}

/**
 * The code a WebSocket close frame carries for a disconnect: the code itself
 * when RFC 6455 allows it (1000–1003, 1007–1014, 3000–4999), else 3503 (force
 * disconnect, no reconnect) — a backend or API caller that sent 0, 1005, 2000
 * or 99999 asked for the connection to end, and reconnecting would ask again.
 */
export function closeFrameCode(code: number): number {
  const legal =
    (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
    (code >= 3000 && code <= 4999);
  return legal ? code : disconnects.forceNoReconnect.code;
}

/** Whether a client should reconnect after this disconnect code. */
export function shouldReconnect(code: number): boolean {
  return !((code >= 3500 && code < 4000) || (code >= 4500 && code < 5000));
}

const make = (code: number, reason: string): Disconnect => new Disconnect(code, reason);

/** The disconnects rotor sends, with the codes and reasons Centrifugo documents. */
export const disconnects = {
  connectionClosed: make(3000, "connection closed"),
  shutdown: make(3001, "shutdown"),
  serverError: make(3004, "internal server error"),
  expired: make(3005, "connection expired"),
  subExpired: make(3006, "subscription expired"),
  slow: make(3008, "slow"),
  writeError: make(3009, "write error"),
  insufficientState: make(3010, "insufficient state"),
  forceReconnect: make(3011, "force reconnect"),
  noPong: make(3012, "no pong"),
  tooManyRequests: make(3013, "too many requests"),
  invalidToken: make(3500, "invalid token"),
  badRequest: make(3501, "bad request"),
  stale: make(3502, "stale"),
  forceNoReconnect: make(3503, "force disconnect"),
  connectionLimit: make(3504, "connection limit"),
  channelLimit: make(3505, "channel limit"),
  inappropriateProtocol: make(3506, "inappropriate protocol"),
  permissionDenied: make(3507, "permission denied"),
  notAvailable: make(3508, "not available"),
  tooManyErrors: make(3509, "too many errors"),
} as const;

/** `client.connect_code_to_unidirectional_disconnect`: error codes mapped to disconnects. */
export interface ConnectCodeTransforms {
  readonly enabled: boolean;
  readonly transforms: readonly { code: number; to: { code: number; reason: string } }[];
}

/**
 * How a unidirectional client learns its connect failed: it cannot read an
 * error reply, so the connection ends with a disconnect. A configured
 * transform for the error code wins; otherwise Centrifugo's built-in mapping
 * picks the disconnect that says the most about the code.
 */
export function unidirectionalConnectDisconnect(
  errorCode: number,
  client?: { readonly connect_code_to_unidirectional_disconnect: ConnectCodeTransforms },
): Disconnect {
  const options = client?.connect_code_to_unidirectional_disconnect;
  const rule = options?.enabled ? options.transforms.find((t) => t.code === errorCode) : undefined;
  if (rule) return new Disconnect(rule.to.code, rule.to.reason);
  if (errorCode === 109 || errorCode === 110) return disconnects.expired;
  if (errorCode === 111) return disconnects.tooManyRequests;
  if (errorCode === 103) return disconnects.permissionDenied;
  return disconnects.serverError;
}

/** Server-initiated unsubscribe codes sent in `push.unsubscribe`. */
export const unsubscribes = {
  server: { code: 2000, reason: "server unsubscribe" },
  insufficientState: { code: 2500, reason: "insufficient state" },
  expired: { code: 2501, reason: "subscription expired" },
} as const;
