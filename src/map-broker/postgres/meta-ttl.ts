import type { MapChannelOptions } from "../types.js";
import { hasStream } from "../write-checks.js";

/** An ephemeral channel's meta row outlives its last key by this much, so expiry still finds its epoch. */
const ephemeralMetaGraceMs = 60_000;

/**
 * How long a channel's meta row outlives its last write: never for
 * persistent keys (they never expire, so neither may the epoch they are
 * in), at least the key TTL otherwise, and for an ephemeral channel (no
 * position to keep) a little longer than its keys, so the table does not
 * keep a row for every ephemeral channel ever written.
 */
export function metaTtlOf(options: MapChannelOptions | undefined): number {
  if (!options || options.keyTtl <= 0) return 0;
  if (!hasStream(options)) return options.keyTtl + ephemeralMetaGraceMs;
  return Math.max(options.metaTtl, options.keyTtl);
}
