import type { ClientInfo, Publication, StreamPosition } from "./publication.js";

/**
 * What a write says about the publication it makes, the same for a stream
 * publish and a map key write: who wrote it, its tags, and the rules that may
 * suppress it (idempotency, version) or give subscribers a delta.
 */
export interface PublicationWriteOptions {
  readonly info?: ClientInfo | undefined;
  readonly tags?: Readonly<Record<string, string>> | undefined;
  /** A repeat of the same key on the same channel within `idempotentResultTtl` is not written again. */
  readonly idempotencyKey?: string | undefined;
  readonly idempotentResultTtl?: number | undefined;
  /** Hand subscribers the previous publication (of the channel, or of the map key) so they can receive a delta. */
  readonly delta?: boolean | undefined;
  /** Drop the write unless its version is newer than the last one seen (within one version epoch). */
  readonly version?: number | undefined;
  readonly versionEpoch?: string | undefined;
}

export interface PublishOptions extends PublicationWriteOptions {
  /** Publications kept in the channel stream; 0 disables history for this publish. */
  readonly historySize: number;
  /** How long (ms) history items live after the last publish. */
  readonly historyTtl: number;
  /** How long (ms) the stream's epoch and top offset outlive inactivity. */
  readonly historyMetaTtl: number;
}

/**
 * Whether a stream keeps history: it takes both a size and a time to live,
 * either 0 turns it off (Centrifugo's rule, for a namespace and for one publish).
 */
export function keepsHistory(size: number, ttl: number): boolean {
  return size > 0 && ttl > 0;
}

export interface PublishResult extends StreamPosition {
  /** True when a version check dropped the publication. */
  readonly suppressed: boolean;
  /** True when the idempotency key was seen before: nothing was published, the first result is answered again. */
  readonly repeated?: boolean;
}

export interface HistoryFilter {
  /** Read after (or, reversed, before) this position; absent means from the top. */
  readonly since?: StreamPosition | undefined;
  /** 0 returns only the stream position, -1 everything, N at most N publications. */
  readonly limit: number;
  readonly reverse: boolean;
  readonly metaTtl: number;
}

export interface HistoryResult {
  readonly publications: Publication[];
  /** The stream top: offset of the newest publication and the current epoch. */
  readonly position: StreamPosition;
}

/**
 * What a broker reports to the node it serves: every node subscribed to a
 * channel receives the channel's publications, joins and leaves.
 */
export interface BrokerEventHandler {
  onPublication(
    channel: string,
    pub: Publication,
    position: StreamPosition,
    delta: boolean,
    prev?: Publication,
  ): void;
  onJoin(channel: string, info: ClientInfo): void;
  onLeave(channel: string, info: ClientInfo): void;
  /**
   * Events of these channels may have been lost on the way to this node (its
   * connection to the broker dropped and came back): positioned subscribers
   * compare their position with the stream instead of waiting for the next
   * publication to reveal a gap.
   */
  onDeliveryGap(channels: readonly string[]): void;
}

/**
 * Moves publications between nodes and keeps channel history. Invariant:
 * appending to history and delivering to subscribers happen atomically per
 * channel, so offsets reach subscribers strictly increasing. A subscribe
 * resolves once events of the channels are flowing to this node; the node
 * calls it for a channel's first local subscriber and unsubscribe after the
 * last one left, never both at once for one channel.
 */
export interface Broker {
  start(handler: BrokerEventHandler): Promise<void>;
  publish(channel: string, data: Uint8Array, options: PublishOptions): Promise<PublishResult>;
  publishJoin(channel: string, info: ClientInfo): Promise<void>;
  publishLeave(channel: string, info: ClientInfo): Promise<void>;
  /** Starts receiving the channels' events on this node, in as few round trips as the broker can. */
  subscribe(channels: readonly string[]): Promise<void>;
  /** Stops receiving the channels' events on this node. */
  unsubscribe(channels: readonly string[]): Promise<void>;
  history(channel: string, filter: HistoryFilter): Promise<HistoryResult>;
  removeHistory(channel: string): Promise<void>;
  close(): Promise<void>;
}
