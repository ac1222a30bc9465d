import type { ConnectionHeaders } from "../proxy/forwarded-headers.js";

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
