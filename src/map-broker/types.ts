import type { PublicationWriteOptions } from "../core/broker.js";
import type { Publication, StreamPosition } from "../core/publication.js";

/**
 * How a map channel keeps its state (the namespace's `map.mode`): ephemeral
 * keys expire and have no stream; recoverable keys expire and every change
 * gets an offset in a stream; persistent keys never expire.
 */
export type MapMode = "ephemeral" | "recoverable" | "persistent";

/**
 * A map channel's storage options, resolved from its namespace. Durations in
 * milliseconds; 0 means "never".
 */
export interface MapChannelOptions {
  readonly mode: MapMode;
  /** Each write moves the key's expiry to now + keyTtl. */
  readonly keyTtl: number;
  readonly streamSize: number;
  /** The stream's items live this long after the last append (0 = until trimmed by size). */
  readonly streamTtl: number;
  /** The channel's epoch and offset outlive its last write by this long; after that a new epoch starts. */
  readonly metaTtl: number;
}

/**
 * The options of a map channel, or undefined when the channel is not (or no
 * longer) one. Brokers ask for every operation and for background expiry, so
 * a config reload takes effect without restarting them.
 */
export type MapChannelResolver = (channel: string) => MapChannelOptions | undefined;

/** A change of one key: its new value, or its removal (`removed`, no data). */
export interface MapPublication extends Publication {
  readonly key: string;
  readonly removed: boolean;
}

/** `if_new` writes only a missing key, `if_exists` only an existing one; `""` always writes. */
export type KeyMode = "" | "if_new" | "if_exists";

/** A map key write; `version` applies in the stream modes only. */
export interface MapPublishOptions extends PublicationWriteOptions {
  readonly data: Uint8Array;
  readonly keyMode?: KeyMode | undefined;
  /** An `if_new` write suppressed because the key exists still moves the key's expiry (presence keep-alives). */
  readonly refreshTtlOnSuppress?: boolean | undefined;
}

export interface MapRemoveOptions {
  readonly idempotencyKey?: string | undefined;
  readonly idempotentResultTtl?: number | undefined;
  /** Tags for the removal; without them the removal carries the key's stored tags. */
  readonly tags?: Readonly<Record<string, string>> | undefined;
}

/** Why a write changed nothing, in Centrifugo's words (`suppress_reason`). */
export type SuppressReason = "idempotency" | "version" | "key_exists" | "key_not_found";

export interface MapUpdateResult {
  /** The change's position; for a suppressed write the stream top (or the remembered result). */
  readonly position: StreamPosition;
  readonly suppressed: boolean;
  readonly suppressReason?: SuppressReason | undefined;
}

export interface MapStateRequest {
  /** The caller's view of the channel: a different epoch fails with 112 (unrecoverable position). */
  readonly revision?: StreamPosition | undefined;
  /** Continues a paged read; "" or absent starts it. Opaque: any node of the same broker can continue it. */
  readonly cursor?: string | undefined;
  /** 0 reads only the position, -1 every key, N about N keys (Redis pages are approximate). */
  readonly limit: number;
  /** Reads one key only (cursor and limit ignored). */
  readonly key?: string | undefined;
}

export interface MapStateResult {
  /** Current entries: key, data, tags, info and the offset of the key's last write. */
  readonly publications: MapPublication[];
  readonly position: StreamPosition;
  /** Where the next page starts; "" on the last page. */
  readonly cursor: string;
}

export interface MapStreamRequest {
  /** Read after (or, reversed, before) this position; a different epoch fails with 112. */
  readonly since?: StreamPosition | undefined;
  /** 0 reads only the position, -1 everything kept, N at most N changes. */
  readonly limit: number;
  readonly reverse?: boolean | undefined;
}

export interface MapStreamResult {
  /**
   * Kept changes, in offset order. The stream is trimmed by size and age:
   * a caller resuming from a position checks that the first one follows it.
   */
  readonly publications: MapPublication[];
  /** The stream top: offset of the newest change and the current epoch. */
  readonly position: StreamPosition;
}

/**
 * What a broker's key-expiry worker reports, for Centrifugo's
 * `map_broker_cleanup_*` metrics: the broker stays free of metrics, the
 * server passes these in.
 */
export interface MapCleanupObserver {
  /** Keys removed because their `key_ttl` elapsed. */
  removed(count: number): void;
  /** A cleanup pass (or one channel's part of it) failed; the next pass retries. */
  failed(): void;
  /** How long the oldest due expiry had waited when a pass began, in seconds (0 when none was due). */
  lag(seconds: number): void;
}

/** What a map broker reports to the node it serves, as a stream broker does. */
export interface MapBrokerEventHandler {
  /** A key changed; `prev` is its previous value when the writer asked for a delta and the key existed. */
  onPublication(
    channel: string,
    pub: MapPublication,
    position: StreamPosition,
    delta: boolean,
    prev?: MapPublication,
  ): void;
  /** Changes of these channels may have been lost on the way to this node: subscribers check their position. */
  onDeliveryGap(channels: readonly string[]): void;
}

/**
 * Keyed state per channel: the current value of each key plus (in stream
 * modes) a stream of changes with offsets in an epoch. Invariant: applying a
 * change, appending it to the stream and delivering it to nodes happen
 * atomically per channel, so offsets reach subscribers strictly increasing and
 * a state page read at offset N plus the stream after N is the whole map.
 * Expired keys are removed by the broker itself and reported as removals.
 * A subscribe resolves once the channels' changes are flowing to this node.
 */
export interface MapBroker {
  start(handler: MapBrokerEventHandler): Promise<void>;
  publish(channel: string, key: string, options: MapPublishOptions): Promise<MapUpdateResult>;
  remove(channel: string, key: string, options: MapRemoveOptions): Promise<MapUpdateResult>;
  readState(channel: string, request: MapStateRequest): Promise<MapStateResult>;
  readStream(channel: string, request: MapStreamRequest): Promise<MapStreamResult>;
  /** Keys currently held, counting expired keys not yet removed. */
  stats(channel: string): Promise<{ numKeys: number }>;
  /** Drops state and stream; the next write starts a new epoch. */
  clear(channel: string): Promise<void>;
  subscribe(channels: readonly string[]): Promise<void>;
  unsubscribe(channels: readonly string[]): Promise<void>;
  close(): Promise<void>;
}
