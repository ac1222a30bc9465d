import type { SubscribeOverride } from "../core/subscribe-override.js";

/** A claim read from a token, or why its value does not have the type Centrifugo's decoder expects. */
export type Read<T> = { value: T } | { reason: string };

type Claims = Readonly<Record<string, unknown>>;

const utf8 = new TextEncoder();
/** Go's `base64.StdEncoding`: standard alphabet, padded. Node's decoder alone would accept anything. */
const stdBase64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const overrideKeys = [
  ["presence", "presence"],
  ["join_leave", "joinLeave"],
  ["force_push_join_leave", "forcePushJoinLeave"],
  ["force_recovery", "forceRecovery"],
  ["force_positioning", "forcePositioning"],
] as const;

/** Whether a value is a JSON object (not null, not an array). */
export function isObject(value: unknown): value is Claims {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A claim that must be a string when present; `null` counts as absent, like Go's decoder. */
export function stringClaim(claims: Claims, key: string): Read<string | undefined> {
  const value = claims[key] ?? undefined;
  return value === undefined || typeof value === "string"
    ? { value }
    : { reason: `"${key}" must be a string` };
}

/**
 * Bytes from a pair of claims: the base64 one (`b64info`, `b64data`, for
 * binary payloads of protobuf clients) when non-empty, else the JSON one
 * re-serialised. Re-serialising keeps the value, not its spelling: whitespace
 * goes, and integers beyond 2^53 lose precision.
 */
export function bytesClaim(claims: Claims, jsonKey: string, base64Key: string): Read<Uint8Array | undefined> {
  const encoded = stringClaim(claims, base64Key);
  if ("reason" in encoded) return encoded;
  if (encoded.value) {
    if (!stdBase64.test(encoded.value)) return { reason: `"${base64Key}" is not standard base64` };
    return { value: new Uint8Array(Buffer.from(encoded.value, "base64")) };
  }
  return { value: jsonBytes(claims[jsonKey]) };
}

/** A claim's JSON value as UTF-8 bytes; undefined when absent or null. */
export function jsonBytes(value: unknown): Uint8Array | undefined {
  return value === undefined || value === null ? undefined : utf8.encode(JSON.stringify(value));
}

/**
 * The user: `sub`, or the claim named by `user_id_claim` read as text (a
 * number gives its digits, as with Centrifugo's gjson lookup); "" is anonymous.
 */
export function userClaim(claims: Claims, userIdClaim: string): Read<string> {
  const sub = stringClaim(claims, "sub");
  if ("reason" in sub) return sub;
  if (!userIdClaim) return { value: sub.value ?? "" };
  const value = Object.hasOwn(claims, userIdClaim) ? (claims[userIdClaim] ?? "") : "";
  return { value: typeof value === "object" ? JSON.stringify(value) : String(value) };
}

/**
 * When the connection or subscription expires, in unix seconds (0 = never):
 * `expire_at` when present (> 0 that time, otherwise never), else `exp`, else
 * never (a fractional `exp` is truncated, as Go reads it). `exp` still limits
 * the token's own validity either way.
 */
export function expireAtClaim(claims: Claims): Read<number> {
  const expireAt = claims.expire_at ?? undefined;
  if (expireAt === undefined) return { value: typeof claims.exp === "number" ? Math.floor(claims.exp) : 0 };
  if (!Number.isInteger(expireAt)) return { reason: '"expire_at" must be an integer' };
  return { value: Math.max(0, expireAt as number) };
}

/** The `override` object; `{}` as an option's value means false, as Go decodes it. */
export function overrideClaim(value: unknown, where: string): Read<SubscribeOverride | undefined> {
  if (value === undefined || value === null) return { value: undefined };
  if (!isObject(value)) return { reason: `"${where}" must be an object` };
  const out: Record<string, boolean> = {};
  for (const [key, name] of overrideKeys) {
    const option = value[key] ?? undefined;
    if (option === undefined) continue;
    const flag = isObject(option) ? (option.value ?? false) : undefined;
    if (typeof flag !== "boolean") return { reason: `"${where}.${key}" must be {"value": true|false}` };
    out[name] = flag;
  }
  return { value: out };
}
