/**
 * The admin session: the token `admin/auth` returned, kept in localStorage
 * as Centrifugo's UI keeps it, and the admin endpoints next to the page
 * (`<prefix>/admin/…`, wherever the UI is served).
 */
const storageKey = "token";
const adminBase = new URL("admin/", document.baseURI);

/** Raised when the server says the session is not (or no longer) valid. */
export class LoggedOut extends Error {}

export function token(): string | null {
  return localStorage.getItem(storageKey);
}

export function forget(): void {
  localStorage.removeItem(storageKey);
}

function authorization(): Record<string, string> {
  const t = token();
  return t ? { authorization: `token ${t}` } : {};
}

/** Whether login is needed: `{insecure, authenticated}` from `admin/init`. */
export async function init(): Promise<{ insecure: boolean; authenticated: boolean }> {
  const res = await fetch(new URL("init", adminBase), { headers: authorization() });
  return res.json();
}

/** Logs in with the password; false when the server refuses it. */
export async function login(password: string): Promise<boolean> {
  const res = await fetch(new URL("auth", adminBase), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ password }),
  });
  if (!res.ok) return false;
  localStorage.setItem(storageKey, ((await res.json()) as { token: string }).token);
  return true;
}

/** The server will not watch a channel (an unknown channel, 102): the message says why. */
export class WatchRefused extends Error {
  override name = "WatchRefused";
}

/** A token for the live view's stream of one channel. */
export async function liveToken(channel: string): Promise<string> {
  const res = await fetch(new URL("live/token", adminBase), {
    method: "POST",
    headers: { ...authorization(), "content-type": "application/json" },
    body: JSON.stringify({ channel }),
  });
  if (res.status === 401) throw new LoggedOut();
  if (!res.ok) throw new WatchRefused(await res.text());
  return ((await res.json()) as { token: string }).token;
}

/** How much of a node's Info counts are the live view's own watchers (on the node serving this page). */
export interface WatcherCounts {
  node: string;
  clients: number;
  users: number;
  subs: number;
  channels: number;
}

/** The live-view watchers connected to the node serving this page. */
export async function liveWatchers(): Promise<WatcherCounts> {
  const res = await fetch(new URL("live/watchers", adminBase), { headers: authorization() });
  if (res.status === 401) throw new LoggedOut();
  if (!res.ok) throw new Error(await res.text());
  return res.json();
}

/** Where the live view's stream is served. */
export const liveBaseUrl = new URL("live", adminBase).href;

/** The admin token as the server API admits it from this page. */
export function authorizationHeader(): string | undefined {
  return authorization().authorization;
}
