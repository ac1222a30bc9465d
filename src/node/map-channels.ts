import { isMapNamespace } from "../config/map-checks.js";
import type { NamespaceMapConfig } from "../config/map-schema.js";
import type { ChannelOptions } from "../config/namespace-schema.js";
import type { MapChannelOptions, MapChannelResolver } from "../map-broker/types.js";
import type { ChannelRules } from "./channel-rules.js";

const defaultStreamSize = 100;
const defaultStreamTtlMs = 60_000;
const defaultCatchUpTimeoutMs = 5000;

/** How subscribers of a map channel page through its state and catch up, with Centrifugo's defaults filled in. */
export interface MapPaging {
  readonly defaultPageSize: number;
  readonly minPageSize: number;
  readonly maxPageSize: number;
  /** Most stream publications a subscriber may recover when it goes live; more is 112. */
  readonly liveTransitionLimit: number;
  /** STATE and STREAM must end within this (ms) or the connection is closed with 3008; 0 = no limit. */
  readonly catchUpTimeout: number;
}

/** A namespace's `map{}` block as the broker keeps it: the mode's sizes and lifetimes filled in. */
export function mapStorage(m: NamespaceMapConfig): MapChannelOptions {
  const mode = m.mode === "" ? "ephemeral" : m.mode;
  if (mode === "ephemeral") return { mode, keyTtl: m.key_ttl, streamSize: 0, streamTtl: 0, metaTtl: 0 };
  const streamTtl = m.stream_ttl || defaultStreamTtlMs;
  const metaTtl = m.meta_ttl || (mode === "recoverable" ? Math.max(streamTtl * 10, m.key_ttl) : 0);
  return {
    mode,
    keyTtl: mode === "persistent" ? 0 : m.key_ttl,
    streamSize: m.stream_size || defaultStreamSize,
    streamTtl,
    metaTtl,
  };
}

/** A namespace's page sizes and catch-up limits: 100 / 100 / 1000 and 5 s unless the `map{}` block says otherwise. */
export function mapPaging(m: NamespaceMapConfig): MapPaging {
  const maxPageSize = m.max_page_size || 1000;
  return {
    defaultPageSize: m.default_page_size || 100,
    minPageSize: m.min_page_size || 100,
    maxPageSize,
    liveTransitionLimit: m.live_transition_max_publication_limit || maxPageSize,
    catchUpTimeout:
      m.subscribe_catch_up_timeout < 0 ? 0 : m.subscribe_catch_up_timeout || defaultCatchUpTimeoutMs,
  };
}

/**
 * The map broker's view of the namespaces: a channel's storage options when
 * its namespace holds maps, undefined otherwise (a stream channel, or no
 * namespace). Resolved once per namespace.
 */
export function createMapChannelResolver(rules: ChannelRules): MapChannelResolver {
  const storage = new WeakMap<ChannelOptions, MapChannelOptions>();
  return (channel) => {
    const options = rules.resolve(channel)?.options;
    if (!options || !isMapNamespace(options)) return undefined;
    let resolved = storage.get(options);
    if (!resolved) {
      resolved = mapStorage(options.map);
      storage.set(options, resolved);
    }
    return resolved;
  };
}
