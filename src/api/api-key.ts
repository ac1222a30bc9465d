import { timingSafeEqual } from "node:crypto";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";

/** What an API surface requires: a key, or nothing when explicitly opened with `insecure`. */
export type ApiKeyPolicy = { insecure: true } | { insecure: false; key: string };

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
export function hasValidKey(
  policy: ApiKeyPolicy,
  header: (name: string) => string | null | undefined,
  query?: URLSearchParams,
): boolean {
  if (policy.insecure) return true;
  const xApiKey = header("x-api-key");
  if (xApiKey) return same(xApiKey, policy.key);
  const fromHeader = fromAuthorization(header("authorization"));
  if (fromHeader !== undefined && same(fromHeader, policy.key)) return true;
  const fromQuery = query?.get("api_key");
  return fromQuery != null && same(fromQuery, policy.key);
}

/** Refuses Connect / gRPC / gRPC-Web calls without the API key with Unauthenticated. */
export function apiKeyInterceptor(policy: ApiKeyPolicy): Interceptor {
  return (next) => async (req) => {
    if (!hasValidKey(policy, (name) => req.header.get(name))) {
      throw new ConnectError(unauthenticatedMessage, Code.Unauthenticated);
    }
    return next(req);
  };
}
