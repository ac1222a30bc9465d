import type { IncomingHttpHeaders } from "node:http";
import type { ProxyProtocol } from "../config/proxy-endpoint.js";
import type { ProxyOptions } from "../config/proxy-schema.js";

/** The request a client connected with, as its transport hands it over. */
export interface ConnectionHeaders {
  /** Headers of the HTTP request (WebSocket upgrade, SSE, HTTP-streaming, uni transports). */
  readonly http?: IncomingHttpHeaders;
  /** Metadata of a gRPC / Connect stream connection (uni_grpc). */
  readonly grpc?: Headers;
}

type Pairs = readonly (readonly [string, string])[];

/**
 * What a connection keeps for its later proxy calls: only the headers some
 * proxy forwards, captured once when it connects (Centrifugo's rule), so a
 * connection costs nothing here unless headers are configured.
 */
export interface ForwardedHeaders {
  readonly http?: Pairs;
  readonly grpc?: Pairs;
  /** From the connect command's `headers` map (headers emulated by browser SDKs). */
  readonly emulated?: Pairs;
}

/** Names that describe one hop, never another request's: never forwarded. */
const hopHeaders = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "upgrade",
  "te",
  "host",
  "content-length",
  "content-type",
  "http2-settings",
]);

function pick(
  entries: Iterable<readonly [string, string | string[] | undefined]>,
  wanted: ReadonlySet<string>,
) {
  const out: [string, string][] = [];
  for (const [rawName, value] of entries) {
    const name = rawName.toLowerCase();
    if (!wanted.has(name) || hopHeaders.has(name) || value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) out.push([name, v]);
  }
  return out.length > 0 ? out : undefined;
}

function headerEntries(headers: Headers): [string, string][] {
  const out: [string, string][] = [];
  headers.forEach((value, name) => {
    out.push([name, value]);
  });
  return out;
}

/** Keeps the headers named in `httpNames` / `grpcNames` (lower-cased) of a new connection. */
export function captureHeaders(
  from: ConnectionHeaders | undefined,
  httpNames: ReadonlySet<string>,
  grpcNames: ReadonlySet<string>,
): ForwardedHeaders | undefined {
  const http = from?.http && httpNames.size > 0 ? pick(Object.entries(from.http), httpNames) : undefined;
  const grpc = from?.grpc && grpcNames.size > 0 ? pick(headerEntries(from.grpc), grpcNames) : undefined;
  return http || grpc ? { http, grpc } : undefined;
}

/** Keeps the connect command's emulated headers named in `names` (lower-cased). */
export function captureEmulated(headers: Readonly<Record<string, string>>, names: ReadonlySet<string>) {
  return names.size > 0 ? pick(Object.entries(headers), names) : undefined;
}

/** One proxy's forwarding lists, lower-cased once; gRPC metadata names compare as written (gRPC keys are lower-case). */
export interface HeaderRules {
  readonly http: ReadonlySet<string>;
  readonly emulated: ReadonlySet<string>;
  readonly grpc: ReadonlySet<string>;
}

export function headerRules(p: ProxyOptions): HeaderRules {
  const lower = (names: readonly string[]) => new Set(names.map((n) => n.toLowerCase()));
  return { http: lower(p.http_headers), emulated: lower(p.emulated_headers), grpc: new Set(p.grpc_metadata) };
}

function put(headers: Headers, pairs: Pairs | undefined, allowed?: ReadonlySet<string>): void {
  if (!pairs) return;
  const replaced = new Set<string>();
  for (const [name, value] of pairs) {
    if (allowed && !allowed.has(name)) continue;
    try {
      if (!replaced.has(name)) headers.delete(name);
      replaced.add(name);
      headers.append(name, value);
    } catch {
      // A value no HTTP header can carry (a line break in an emulated header): not forwarded.
    }
  }
}

/**
 * The headers (or gRPC metadata) of one backend call, built in Centrifugo's
 * order, later sources replacing earlier ones: static headers, allowed
 * emulated headers, allowed headers of the connection's HTTP request, and —
 * only for a connection without HTTP headers — allowed gRPC metadata; gRPC
 * calls end with the credentials pair.
 */
export function callHeaders(
  p: ProxyOptions,
  protocol: ProxyProtocol,
  rules: HeaderRules,
  fwd: ForwardedHeaders | undefined,
): Headers {
  const headers = new Headers();
  const fixed = protocol === "grpc" ? p.grpc.static_metadata : p.http.static_headers;
  put(
    headers,
    Object.entries(fixed).map(([k, v]) => [k.toLowerCase(), v] as const),
  );
  put(headers, fwd?.emulated, rules.emulated);
  put(headers, fwd?.http, rules.http);
  if (!fwd?.http) put(headers, fwd?.grpc, rules.grpc);
  if (protocol === "grpc" && p.grpc.credentials_key) {
    headers.set(p.grpc.credentials_key.toLowerCase(), p.grpc.credentials_value);
  }
  return headers;
}

/**
 * `client.user_id_http_header`: the user a trusted proxy in front of rotor
 * (one that authenticated the request) names in a header of the connection
 * request. Only HTTP connection requests carry it; "" when unset or absent.
 */
export function headerUser(headers: ConnectionHeaders | undefined, name: string): string {
  if (!name || !headers?.http) return "";
  const value = headers.http[name.toLowerCase()];
  return (Array.isArray(value) ? value[0] : value) ?? "";
}
