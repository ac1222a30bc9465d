/** Who published or joined: a connection's user, client id and the info attached to it. */
export interface ClientInfo {
  readonly user: string;
  readonly client: string;
  readonly connInfo?: Uint8Array | undefined;
  readonly chanInfo?: Uint8Array | undefined;
}

/** A publication as stored in history and delivered to subscribers. Data is opaque bytes. */
export interface Publication {
  /** Position in the channel stream; 0 when the channel keeps no history. */
  readonly offset: number;
  readonly data: Uint8Array;
  readonly info?: ClientInfo | undefined;
  readonly tags?: Readonly<Record<string, string>> | undefined;
  /** Unix milliseconds when the publication was accepted. */
  readonly time: number;
  /**
   * The channel it was published to, when subscribers know the stream by
   * another name: a NATS wildcard subscription (`news.*`) or a raw-mode subject.
   */
  readonly channel?: string | undefined;
  /** The version the API publish gave it (protocol field 16), handed on to clients; absent when none. */
  readonly version?: number | undefined;
}

/** A point in a channel stream: offsets count publications within one epoch. */
export interface StreamPosition {
  readonly offset: number;
  readonly epoch: string;
}
