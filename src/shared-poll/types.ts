/** One key's change as subscribers receive it: new data at a version, or its removal. */
export interface PollUpdate {
  readonly key: string;
  readonly data: Uint8Array;
  readonly version: number;
  readonly removed: boolean;
  /** Set on updates published through the API, as Centrifugo sends them. */
  readonly epoch?: string | undefined;
}

/** What a subscription knows of one key it tracks. */
export interface TrackedKey {
  /** The last version it was sent (or told the server it has); later broadcasts at or below it are dropped. */
  delivered: number;
  /** Unix seconds its track signature expires (0: never). */
  readonly expiresAt: number;
}

/** Encoded pushes of one broadcast, shared by the subscribers that encode alike. */
export type UpdateFrames = Map<string, Uint8Array>;

/** A subscription of a shared poll channel as the channel's poller sees it. */
export interface PollSubscriber {
  readonly keys: Map<string, TrackedKey>;
  /** Sends an update it has not seen yet (its version is above the delivered one, or a removal). */
  deliver(update: PollUpdate, frames: UpdateFrames): void;
  /** Ends the subscription with 2500: the channel's epoch changed under it. */
  resubscribe(): void;
}

/** A key a subscription asks to track, with the version it holds and its signature's expiry. */
export interface TrackItem {
  readonly key: string;
  readonly version: number;
  readonly expiresAt: number;
}
