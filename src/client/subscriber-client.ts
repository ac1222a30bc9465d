import type { ClientInfo } from "../core/publication.js";
import type { Disconnect } from "../errors/disconnect.js";
import type { FrameCache, HubClient } from "../node/hub.js";
import type { ClientCodec } from "../protocol/client-codec.js";

/** A subscription that can no longer vouch for its stream position. */
export interface LostPosition {
  readonly channel: string;
  readonly options: { readonly serverSide: boolean };
}

/**
 * What a subscription needs of its connection to deliver: the encoding it
 * receives, the output queue, how it appears to others, and where to report
 * a lost position. Narrow on purpose, so subscriptions of every kind depend
 * on this and not on the session that implements it.
 */
export interface SubscriberClient extends HubClient {
  readonly codec: ClientCodec;
  readonly unidirectional: boolean;
  /** Which shared encoding this connection receives (see frame-slots). */
  readonly encodingKind: number;
  clientInfo(chanInfo?: Uint8Array): ClientInfo;
  /** Queues an encoded message for the next flush. */
  enqueue(message: Uint8Array): void;
  close(disconnect: Disconnect): void;
  sendJoinLeave(channel: string, kind: "join" | "leave", info: ClientInfo, frames: FrameCache): void;
  /** A positioned subscription saw a gap: client-side ones resubscribe, server-side ones reconnect. */
  insufficientState(sub: LostPosition): void;
  /** Runs presence refresh and position checks at the next tick instead of waiting for the interval. */
  upkeepSoon(): void;
}
