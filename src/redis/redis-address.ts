import { parseDuration } from "../config/duration.js";

/** A host and port, as Sentinels and cluster seeds are listed. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Where one Redis shard lives. A plain server is checked for cluster mode when connecting. */
export type RedisTarget =
  | { readonly kind: "server"; readonly host: string; readonly port: number }
  | { readonly kind: "socket"; readonly path: string }
  | { readonly kind: "sentinel"; readonly sentinels: HostPort[]; readonly masterName: string }
  | { readonly kind: "cluster"; readonly seeds: HostPort[] };

/** What an address may set over the config-level options (URL userinfo, path, query). */
export interface AddressOverrides {
  user?: string;
  password?: string;
  db?: number;
  tls?: boolean;
  connectTimeout?: number;
  ioTimeout?: number;
  forceResp2?: boolean;
  sentinelUser?: string;
  sentinelPassword?: string;
  sentinelTls?: boolean;
}

export interface ParsedAddress {
  readonly target: RedisTarget;
  readonly overrides: AddressOverrides;
}

type Result = ParsedAddress | { error: string };

const hostPort = /^(\[[0-9a-fA-F:.]+\]|[^:/?#\s[\]]+):(\d{1,5})$/;

/** `host:port` (IPv6 in brackets); undefined when the text is not one. */
export function parseHostPort(text: string): HostPort | undefined {
  const match = hostPort.exec(text.trim());
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port > 65535) return undefined;
  return { host: match[1]!.replace(/^\[|\]$/g, ""), port };
}

/** Go's strconv.ParseBool, which Centrifugo uses for address query flags. */
function parseBool(name: string, text: string): boolean | { error: string } {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(text)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(text)) return false;
  return { error: `invalid ${name} value: ${text}` };
}

function readQuery(query: URLSearchParams, o: AddressOverrides): { error: string } | undefined {
  const flags = [
    ["tls_enabled", "tls"],
    ["force_resp2", "forceResp2"],
    ["sentinel_tls_enabled", "sentinelTls"],
  ] as const;
  for (const [name, key] of flags) {
    const text = query.get(name);
    if (text === null) continue;
    const value = parseBool(name, text);
    if (typeof value !== "boolean") return value;
    o[key] = value;
  }
  for (const [name, key] of [
    ["connect_timeout", "connectTimeout"],
    ["io_timeout", "ioTimeout"],
  ] as const) {
    const text = query.get(name);
    if (text === null) continue;
    const ms = parseDuration(text);
    if (ms === undefined) return { error: `invalid ${name} value: ${text}` };
    o[key] = ms;
  }
  const sentinelUser = query.get("sentinel_user");
  if (sentinelUser !== null) o.sentinelUser = sentinelUser;
  const sentinelPassword = query.get("sentinel_password");
  if (sentinelPassword !== null) o.sentinelPassword = sentinelPassword;
  return undefined;
}

function parseUrl(address: string, scheme: string): Result {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return { error: `malformed connection address: ${address}` };
  }
  const o: AddressOverrides = {};
  if (url.username) o.user = decodeURIComponent(url.username);
  if (url.password) o.password = decodeURIComponent(url.password);
  const queryError = readQuery(url.searchParams, o);
  if (queryError) return queryError;
  if (scheme === "rediss" || scheme === "rediss+sentinel") o.tls = true;
  if (scheme === "unix") return { target: { kind: "socket", path: url.pathname }, overrides: o };
  if (url.pathname !== "") {
    const db = url.pathname.slice(1);
    if (!/^\d+$/.test(db)) return { error: `invalid database in connection address: ${address}` };
    o.db = Number(db);
  }
  const first = parseHostPort(url.host);
  if (!first) return { error: `malformed connection address, must be host:port: ${url.host}` };
  const extra: HostPort[] = [];
  for (const addr of url.searchParams.getAll("addr")) {
    const parsed = parseHostPort(addr);
    if (!parsed) return { error: `malformed addr in connection address: ${addr}` };
    extra.push(parsed);
  }
  const masterName = url.searchParams.get("sentinel_master_name");
  if (scheme.endsWith("+sentinel") || masterName !== null) {
    if (!masterName) return { error: "sentinel master name must be set when using Redis Sentinel" };
    return { target: { kind: "sentinel", sentinels: [first, ...extra], masterName }, overrides: o };
  }
  if (scheme === "redis+cluster" || extra.length > 0) {
    return { target: { kind: "cluster", seeds: [first, ...extra] }, overrides: o };
  }
  return { target: { kind: "server", ...first }, overrides: o };
}

const schemes = ["redis", "rediss", "redis+sentinel", "rediss+sentinel", "redis+cluster", "unix", "tcp"];

/**
 * Reads one shard's address in any form Centrifugo accepts: `host:port`,
 * `redis://[user:pass@]host:port[/db]`, `rediss://…` (TLS),
 * `redis+sentinel://s1:26379?sentinel_master_name=m&addr=s2:26379`,
 * `redis+cluster://h:7000?addr=h:7001`, `unix:///path`, with the query
 * options `addr`, `connect_timeout`, `io_timeout`, `tls_enabled`,
 * `force_resp2`, `sentinel_user`, `sentinel_password`, `sentinel_tls_enabled`.
 */
export function parseRedisAddress(address: string): Result {
  const at = address.indexOf("://");
  if (at >= 0) {
    const scheme = address.slice(0, at).toLowerCase();
    if (!schemes.includes(scheme)) {
      return { error: `malformed connection address, unknown scheme ${scheme}: ${address}` };
    }
    return parseUrl(scheme === "tcp" ? `redis${address.slice(at)}` : address, scheme);
  }
  const parsed = parseHostPort(address);
  if (!parsed) return { error: `malformed connection address, must be Redis URL or host:port: ${address}` };
  return { target: { kind: "server", ...parsed }, overrides: {} };
}

/** A list of comma-separated `host:port` entries, as `cluster_address` and `sentinel_address` hold them. */
export function parseHostPortList(entry: string, what: string): HostPort[] | { error: string } {
  const out: HostPort[] = [];
  for (const part of entry.split(",")) {
    const parsed = parseHostPort(part);
    if (!parsed) return { error: `malformed ${what} address: ${part}` };
    out.push(parsed);
  }
  return out;
}
