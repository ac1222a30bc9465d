import { createHmac, timingSafeEqual } from "node:crypto";
import type { JWTPayload, ProtectedHeaderParameters } from "jose";
import type { JwtResult } from "./jwt-verifier.js";

const hashes: Readonly<Record<string, string>> = { HS256: "sha256", HS384: "sha384", HS512: "sha512" };

const base64url = /^[A-Za-z0-9_-]*$/;

const invalidDate = (claim: string): JwtResult => ({
  error: "invalid",
  reason: `"${claim}" claim must be a number`,
});

/**
 * An HS256/384/512 token checked with node:crypto's HMAC, synchronously, on
 * the header and claims already decoded: the same checks as jose's
 * `jwtVerify` with no options (signature over `header.payload` with each key
 * in turn, then `iat`/`nbf`/`exp` as numbers, `nbf` after now or `exp` at or
 * before now — in whole seconds, no tolerance — being "expired"), at a tenth
 * of the cost of WebCrypto's asynchronous HMAC, which a connect storm pays
 * once per connection. Undefined for what jose must judge: headers with
 * `crit` or `b64`.
 */
export function verifyHmac(
  token: string,
  header: ProtectedHeaderParameters,
  claims: JWTPayload,
  keys: readonly Uint8Array[],
): JwtResult | undefined {
  const hash = hashes[header.alg!];
  if (!hash || header.crit !== undefined || header.b64 !== undefined) return undefined;
  const dot = token.lastIndexOf(".");
  const encoded = token.slice(dot + 1);
  if (!base64url.test(encoded)) return { error: "invalid", reason: "malformed signature" };
  const signature = Buffer.from(encoded, "base64url");
  const signed = token.slice(0, dot);
  const matches = (key: Uint8Array) => {
    const expected = createHmac(hash, key).update(signed).digest();
    return expected.length === signature.length && timingSafeEqual(expected, signature);
  };
  if (!keys.some(matches)) return { error: "invalid", reason: "signature verification failed" };
  for (const claim of ["iat", "nbf", "exp"] as const) {
    if (claims[claim] !== undefined && typeof claims[claim] !== "number") return invalidDate(claim);
  }
  const now = Math.floor(Date.now() / 1000);
  if (claims.nbf !== undefined && claims.nbf > now) return { error: "expired" };
  if (claims.exp !== undefined && claims.exp <= now) return { error: "expired" };
  return { payload: claims };
}
