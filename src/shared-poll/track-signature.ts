import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { errors } from "../errors/rotor-error.js";

/** The keys that sign track requests (top-level `shared_poll{}`). */
export interface TrackKeys {
  readonly current: string;
  readonly previous: string;
  /** Unix seconds; a signature issued later only verifies with the current key (0: no limit). */
  readonly previousValidUntil: number;
}

/** Seconds a signature stays accepted after its `exp`, as in Centrifugo. */
const expiryGrace = 5;

const signaturePattern = /^(\d+):(\d+):([0-9a-f]+)$/;

/** `<hex>` of a track signature: HMAC-SHA256 over iat, exp, user, channel and the hash of the keys in order. */
export function trackSignatureHex(
  secret: string,
  iat: string,
  exp: string,
  user: string,
  channel: string,
  keys: readonly string[],
): string {
  const keysHash = createHash("sha256").update(keys.join("\x00")).digest("hex");
  const payload = [iat, exp, user, channel, keysHash].join("\x00");
  return createHmac("sha256", secret).update(payload).digest("hex");
}

function sameHex(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/**
 * Verifies one batch's signature `"<iat>:<exp>:<hex>"` for a user's keys on a
 * channel: 103 when it does not match (or only the previous key matches and it
 * was issued after that key's end), 109 when `exp` passed more than 5 s ago.
 * Returns the batch's expiry in unix seconds (0: never).
 */
export function verifyTrackSignature(
  keys: TrackKeys,
  signature: string,
  user: string,
  channel: string,
  batchKeys: readonly string[],
  nowSec: number,
): number {
  const m = signaturePattern.exec(signature);
  if (!m) throw errors.permissionDenied();
  const [, iat, exp, hex] = m as unknown as [string, string, string, string];
  const sign = (secret: string) => trackSignatureHex(secret, iat, exp, user, channel, batchKeys);
  if (!sameHex(sign(keys.current), hex)) {
    const previousAllowed =
      keys.previous !== "" && (keys.previousValidUntil === 0 || Number(iat) <= keys.previousValidUntil);
    if (!previousAllowed || !sameHex(sign(keys.previous), hex)) throw errors.permissionDenied();
  }
  const expiresAt = Number(exp);
  if (expiresAt > 0 && expiresAt + expiryGrace < nowSec) throw errors.tokenExpired();
  return expiresAt;
}
