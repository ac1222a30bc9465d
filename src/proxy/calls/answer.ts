import type {
  Disconnect as ProxyDisconnect,
  Error as ProxyError,
  SubscribeOptionOverride,
} from "../../../gen/centrifugal/centrifugo/proxy/proxy_pb.js";
import type { SubscribeOverride } from "../../core/subscribe-override.js";
import { Disconnect } from "../../errors/disconnect.js";
import { errors, RotorError } from "../../errors/rotor-error.js";

/** The envelope every CentrifugoProxy response has besides its result. */
interface Envelope {
  readonly error?: ProxyError | undefined;
  readonly disconnect?: ProxyDisconnect | undefined;
}

/**
 * Applies a backend's refusal, in Centrifugo's order: a `disconnect` ends the
 * connection with the backend's code and reason, an `error` fails the command
 * with the backend's code and message (`temporary` kept where the kind honours
 * it). Codes go to the client unchanged.
 */
export function refuseIfAsked(answer: Envelope, keepTemporary = true): void {
  if (answer.disconnect) throw new Disconnect(answer.disconnect.code, answer.disconnect.reason);
  if (answer.error) {
    const e = answer.error;
    throw new RotorError(e.code, e.message, keepTemporary && e.temporary);
  }
}

const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict standard base64 (Go's StdEncoding): anything else is the backend's bug, answered with 100. */
export function fromBase64(text: string): Uint8Array {
  if (!base64.test(text)) throw errors.internal();
  return Buffer.from(text, "base64");
}

/** A payload answered as raw bytes or base64: `b64*` wins when set (every kind but publish). */
export function payloadOf(raw: Uint8Array, b64: string): Uint8Array | undefined {
  if (b64 !== "") return fromBase64(b64);
  return raw.length > 0 ? raw : undefined;
}

/** `{"presence": {"value": true}, …}` as the session's override (absent keys keep the namespace value). */
export function overrideOf(o: SubscribeOptionOverride | undefined): SubscribeOverride | undefined {
  if (!o) return undefined;
  return {
    presence: o.presence?.value,
    joinLeave: o.joinLeave?.value,
    forcePushJoinLeave: o.forcePushJoinLeave?.value,
    forceRecovery: o.forceRecovery?.value,
    forcePositioning: o.forcePositioning?.value,
  };
}
