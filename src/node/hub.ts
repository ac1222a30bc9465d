import type { ClientInfo, Publication, StreamPosition } from "../core/publication.js";
import type { Disconnect } from "../errors/disconnect.js";
import type { ConnectionFilter, ServerSubscribeOptions } from "./control.js";

/**
 * Frames encoded during one broadcast, indexed by an encoding key the
 * subscribers choose (protocol, delta…): the first subscriber of a kind
 * encodes, the rest reuse its bytes. `filteredOut` counts the subscribers
 * whose tags filter rejected the publication, for the broadcast's metrics.
 */
export type FrameCache = unknown[] & { filteredOut?: number };

/** A local connection as the hub sees it: what server-side commands can do to it. */
export interface HubClient {
  readonly id: string;
  readonly user: string;
  readonly session: string;
  /** The transport it is connected over ("websocket", "sse", …), for counts by transport. */
  readonly transport: { readonly name: string };
  subscribeByServer(channel: string, options: ServerSubscribeOptions): void;
  unsubscribeByServer(channel: string, why: Disconnect): void;
  disconnect(disconnect: Disconnect): void;
  refreshByServer(expired: boolean, expireAt: number, info: Uint8Array | undefined): void;
}

/** One connection's subscription to one channel: the target of fan-out. */
export interface HubSubscriber {
  readonly client: HubClient;
  readonly channel: string;
  /** Publications may have been lost on the way to this node: compare positions with the stream soon. */
  recheckPosition(): void;
  deliverPublication(
    pub: Publication,
    position: StreamPosition,
    delta: boolean,
    prev: Publication | undefined,
    /** The publication reached this node later than `client.channel_position_max_time_lag`. */
    late: boolean,
    frames: FrameCache,
  ): void;
  deliverJoin(info: ClientInfo, frames: FrameCache): void;
  deliverLeave(info: ClientInfo, frames: FrameCache): void;
}

/** What a broadcast carries. */
export type BroadcastKind = "publication" | "join" | "leave";

/**
 * Told of each subscriber the hub adds or removes and of each broadcast once
 * it is done, so counts (metrics) are kept per event: never by walking the
 * hub, never inside the per-subscriber loop.
 */
export interface HubObserver {
  subscribed(channel: string, client: HubClient): void;
  unsubscribed(channel: string, client: HubClient): void;
  /** `filteredOut`: subscribers whose tags filter rejected the publication. */
  broadcast(channel: string, kind: BroadcastKind, filteredOut: number): void;
}

/** The connections of this node and their subscriptions, indexed for fan-out and for server commands. */
export class Hub {
  private readonly clients = new Map<string, HubClient>();
  private readonly users = new Map<string, Set<HubClient>>();
  private readonly channels = new Map<string, Map<string, HubSubscriber>>();
  private subs = 0;
  private observer: HubObserver | undefined;

  constructor(private readonly onError: (err: unknown) => void) {}

  /** Sets who is told of subscriptions and broadcasts. */
  observe(observer: HubObserver): void {
    this.observer = observer;
  }

  addClient(client: HubClient): void {
    this.clients.set(client.id, client);
    let set = this.users.get(client.user);
    if (!set) {
      set = new Set();
      this.users.set(client.user, set);
    }
    set.add(client);
  }

  removeClient(client: HubClient): void {
    if (!this.clients.delete(client.id)) return;
    const set = this.users.get(client.user);
    set?.delete(client);
    if (set?.size === 0) this.users.delete(client.user);
  }

  addSubscriber(channel: string, sub: HubSubscriber): void {
    let subs = this.channels.get(channel);
    if (!subs) {
      subs = new Map();
      this.channels.set(channel, subs);
    }
    if (!subs.has(sub.client.id)) {
      this.subs += 1;
      this.observer?.subscribed(channel, sub.client);
    }
    subs.set(sub.client.id, sub);
  }

  /** Removes a subscriber; false when it was not there. */
  removeSubscriber(channel: string, clientId: string): boolean {
    const subs = this.channels.get(channel);
    const sub = subs?.get(clientId);
    if (!subs || !sub) return false;
    subs.delete(clientId);
    this.subs -= 1;
    this.observer?.unsubscribed(channel, sub.client);
    if (subs.size === 0) this.channels.delete(channel);
    return true;
  }

  hasSubscribers(channel: string): boolean {
    return this.channels.has(channel);
  }

  /** How many connections of this node are subscribed to the channel. */
  numSubscribers(channel: string): number {
    return this.channels.get(channel)?.size ?? 0;
  }

  /** The channel's subscribers on this node. */
  subscribers(channel: string): Iterable<HubSubscriber> {
    return this.channels.get(channel)?.values() ?? [];
  }

  /** Local connections matching a control command's target. */
  *targets(filter: ConnectionFilter): Iterable<HubClient> {
    const set = this.users.get(filter.user);
    if (!set) return;
    for (const client of [...set]) {
      if (filter.client && client.id !== filter.client) continue;
      if (filter.session && client.session !== filter.session) continue;
      yield client;
    }
  }

  client(id: string): HubClient | undefined {
    return this.clients.get(id);
  }

  allClients(): Iterable<HubClient> {
    return this.clients.values();
  }

  publication(
    channel: string,
    pub: Publication,
    position: StreamPosition,
    delta: boolean,
    prev: Publication | undefined,
    late: boolean,
  ): void {
    this.broadcast(channel, "publication", (sub, frames) =>
      sub.deliverPublication(pub, position, delta, prev, late, frames),
    );
  }

  join(channel: string, info: ClientInfo): void {
    this.broadcast(channel, "join", (sub, frames) => sub.deliverJoin(info, frames));
  }

  leave(channel: string, info: ClientInfo): void {
    this.broadcast(channel, "leave", (sub, frames) => sub.deliverLeave(info, frames));
  }

  /**
   * Hands one event to every local subscriber of a channel with one shared
   * FrameCache, so each encoding is made once; a subscriber that throws is
   * reported and does not stop the others.
   */
  private broadcast(
    channel: string,
    kind: BroadcastKind,
    deliver: (sub: HubSubscriber, frames: FrameCache) => void,
  ): void {
    const subs = this.channels.get(channel);
    if (!subs) return;
    const frames: FrameCache = [];
    for (const sub of subs.values()) {
      try {
        deliver(sub, frames);
      } catch (err) {
        this.onError(err);
      }
    }
    this.observer?.broadcast(channel, kind, frames.filteredOut ?? 0);
  }

  /** Local channels with their subscriber counts. */
  channelCounts(): Iterable<[string, number]> {
    const out: [string, number][] = [];
    for (const [channel, subs] of this.channels) out.push([channel, subs.size]);
    return out;
  }

  get numClients(): number {
    return this.clients.size;
  }

  get numUsers(): number {
    return this.users.size;
  }

  get numChannels(): number {
    return this.channels.size;
  }

  get numSubs(): number {
    return this.subs;
  }
}
