import type { IncomingHttpHeaders } from "node:http";
import { type ApiKeyPolicy, hasValidKey } from "../api-key.js";

/** A request header by lower-case name; the first of repeated ones. */
export function firstHeader(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Whether an HTTP JSON API request carries a valid key: in its headers, or as `?api_key=` in its URL. */
export function admitsKey(policy: ApiKeyPolicy, headers: IncomingHttpHeaders, url: string): boolean {
  const query = url.indexOf("?");
  const params = query >= 0 ? new URLSearchParams(url.slice(query + 1)) : undefined;
  return hasValidKey(policy, (name) => firstHeader(headers, name), params);
}
