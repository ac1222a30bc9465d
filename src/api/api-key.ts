import { timingSafeEqual } from "node:crypto";

/** What an API surface requires: a key, or nothing when explicitly opened with `insecure`. An empty key admits nobody. */
export type ApiKeyPolicy = { insecure: true } | { insecure: false; key: string };

/** A surface where the API key opens nothing (a listener that serves the API only to the admin UI). */
export const noKeyPolicy: ApiKeyPolicy = { insecure: false, key: "" };

/** A request's header by lower-case name. */
export type RequestHeader = (name: string) => string | null | undefined;

/** Another credential a surface accepts besides the API key (the admin UI's token). */
export type ExtraAccess = (header: RequestHeader) => boolean;

/**
 * The message every refused gRPC / Connect call gets: it says how to pass the
 * key. It avoids URI-reserved characters (`:`, `=`…) because some gRPC clients
 * (grpc-js) leave them percent-encoded when decoding grpc-message.
 */
export const unauthenticatedMessage =
  "unauthenticated - send the API key as authorization metadata with the value 'apikey <KEY>' (or as the X-API-Key header)";
export const unauthorizedHttpMessage =
  "unauthorized: pass the API key in the X-API-Key header, as 'Authorization: apikey <KEY>', or as ?api_key=<KEY>";

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** `Authorization: apikey <KEY>`: exactly two parts, the scheme case-insensitive. */
function fromAuthorization(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const parts = value.trim().split(/\s+/);
  return parts.length === 2 && parts[0]!.toLowerCase() === "apikey" ? parts[1] : undefined;
}

/**
 * Checks the credentials of one request, Centrifugo's way: a non-empty
 * X-API-Key header is authoritative; otherwise `Authorization: apikey`, then the
 * `api_key` query parameter. Comparison is constant-time.
 */
export function hasValidKey(policy: ApiKeyPolicy, header: RequestHeader, query?: URLSearchParams): boolean {
  if (policy.insecure) return true;
  if (policy.key === "") return false;
  const xApiKey = header("x-api-key");
  if (xApiKey) return same(xApiKey, policy.key);
  const fromHeader = fromAuthorization(header("authorization"));
  if (fromHeader !== undefined && same(fromHeader, policy.key)) return true;
  const fromQuery = query?.get("api_key");
  return fromQuery != null && same(fromQuery, policy.key);
}
