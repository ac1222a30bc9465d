import type { MapChannelOptions, MapChannelResolver, MapPublishOptions } from "./types.js";

/** Default lifetime of idempotency results (Centrifugo's `idempotent_result_ttl`, 5 minutes). */
export const defaultIdempotentResultTtlMs = 300_000;

/**
 * The channel's map options; throws when the channel is not a map channel,
 * which callers validate before reaching a broker (so this is an internal error).
 */
export function mapOptionsOf(resolve: MapChannelResolver, channel: string): MapChannelOptions {
  const options = resolve(channel);
  if (!options) throw new Error(`map broker: ${channel} is not a map channel`);
  return options;
}

/** Whether changes of this mode get offsets in a stream. */
export const hasStream = (options: MapChannelOptions) => options.mode !== "ephemeral";

/**
 * Refuses what the mode cannot honour, before anything is written: version
 * ordering needs the stream's epoch, which ephemeral channels do not keep.
 */
export function checkPublish(options: MapChannelOptions, publish: MapPublishOptions): void {
  if ((publish.version ?? 0) > 0 && !hasStream(options)) {
    throw new Error("map broker: version-based dedup requires recoverable or persistent mode");
  }
}
