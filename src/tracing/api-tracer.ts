import type { Attributes } from "@opentelemetry/api";

/** Reads one request header (lower-case name), whichever surface the call came in on. */
export type HeaderReader = (name: string) => string | null | undefined;

/** One traced server API call: ended once, with the API error code when the call failed. */
export interface ApiSpan {
  end(error?: number | string, attributes?: Attributes): void;
}

/**
 * Starts a server span per API call, child of the caller's W3C
 * `traceparent` when it sent one. Built only when `opentelemetry.api` is on,
 * so the surfaces hold an optional tracer and pay nothing without it.
 */
export interface ApiTracer {
  start(name: string, header: HeaderReader, attributes: Attributes): ApiSpan;
}

/** Server API methods whose request names one channel: their spans carry it (`centrifugo.channel`). */
const channelMethods = new Set([
  "publish",
  "map_publish",
  "map_remove",
  "map_read_state",
  "map_read_stream",
  "map_stats",
  "map_clear",
  "shared_poll_publish",
]);

/** `presenceStats` / `PresenceStats` / `presence_stats` → `presence_stats`. */
export function snakeMethod(name: string): string {
  return name.replace(/(?<=[a-z0-9])([A-Z])/g, "_$1").toLowerCase();
}

/**
 * The attributes Centrifugo adds to an API span from its request: the
 * channel of the methods that take one, the channel count of a broadcast.
 */
export function requestAttributes(method: string, request: unknown): Attributes {
  const name = snakeMethod(method);
  const r = request as { channel?: unknown; channels?: unknown } | undefined;
  if (channelMethods.has(name) && typeof r?.channel === "string") return { "centrifugo.channel": r.channel };
  if (name === "broadcast" && Array.isArray(r?.channels))
    return { "centrifugo.num_channels": r.channels.length };
  return {};
}
