import { randomUUID } from "node:crypto";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { Logger } from "pino";
import { ChannelsRequestSchema, ChannelsResultSchema } from "../../gen/centrifugal/centrifugo/api/api_pb.js";
import { isMapNamespace } from "../config/map-checks.js";
import type { Config } from "../config/schema.js";
import {
  type Broker,
  type BrokerEventHandler,
  type HistoryResult,
  keepsHistory,
  type PublishResult,
} from "../core/broker.js";
import type { Controller } from "../core/controller.js";
import type { PresenceManager, PresenceStats } from "../core/presence-manager.js";
import type { ClientInfo, Publication, StreamPosition } from "../core/publication.js";
import type { SubscribeOverride } from "../core/subscribe-override.js";
import { type Disconnect, unsubscribes } from "../errors/disconnect.js";
import { errors } from "../errors/rotor-error.js";
import type { MapBroker, MapChannelResolver } from "../map-broker/types.js";
import { ChannelInterest } from "./channel-interest.js";
import { ChannelLocks } from "./channel-locks.js";
import { type ChannelInfo, type ChannelRules, createChannelRules } from "./channel-rules.js";
import { Cluster } from "./cluster.js";
import { type ConnectionFilter, commands, type NodeSnapshot } from "./control.js";
import { answerChannels } from "./control-handlers.js";
import { createEngineBoundary } from "./engine-boundary.js";
import { Hub, type HubSubscriber } from "./hub.js";
import { createMapChannelResolver } from "./map-channels.js";
import { resolveSubscribeOptions } from "./subscribe-options.js";
import { surveyCodes } from "./surveys.js";

export interface NodeOptions {
  readonly config: Config;
  readonly broker: Broker;
  /** Builds the broker that keeps map channels' keys, told by the node which channels are maps. */
  readonly mapBroker: (channels: MapChannelResolver) => MapBroker;
  readonly presence: PresenceManager;
  readonly controller: Controller;
  readonly logger: Logger;
  /** The node name shown by Info; a function because the port is known only once listening. */
  readonly name: () => string;
  readonly version: string;
  /** The node's aggregated metrics for Info (Centrifugo's `metrics` of a node result). */
  readonly infoMetrics?: () => NodeSnapshot["metrics"];
  /** Told how long each survey of the cluster took, in seconds. */
  readonly surveyed?: (op: string, seconds: number) => void;
}

export interface NodePublishOptions {
  readonly skipHistory?: boolean | undefined;
  readonly tags?: Readonly<Record<string, string>> | undefined;
  readonly idempotencyKey?: string | undefined;
  readonly delta?: boolean | undefined;
  readonly version?: number | undefined;
  readonly versionEpoch?: string | undefined;
  readonly info?: ClientInfo | undefined;
}

export interface NodeHistoryOptions {
  readonly limit: number;
  readonly since?: StreamPosition | undefined;
  readonly reverse: boolean;
}

/** What the server API asks for when it subscribes a user's connections. */
export interface ServerSubscribeRequest {
  readonly expireAt: number;
  readonly chanInfo?: Uint8Array | undefined;
  readonly data?: Uint8Array | undefined;
  readonly recoverSince?: StreamPosition | undefined;
  readonly override: SubscribeOverride;
}

/**
 * The orchestrator: one per process. It resolves channels to their namespace
 * options, publishes through the broker, fans broker events out to local
 * subscribers through the hub, and acts with the other nodes as one server:
 * heartbeats, commands by user applied on every node, surveys.
 */
export class Node implements BrokerEventHandler {
  readonly id = randomUUID();
  readonly hub: Hub;
  readonly rules: ChannelRules;
  readonly startedAt = Date.now();
  /** The other nodes: commands by user, surveys, the registry Info reads. */
  readonly cluster: Cluster;
  private readonly interest: ChannelInterest;
  private readonly mapInterest: ChannelInterest;
  /** The engine behind the boundary: every failure of theirs reaches callers as an EngineError. */
  private readonly broker: Broker;
  /** The map broker behind the same boundary. */
  readonly maps: MapBroker;
  private readonly presenceManager: PresenceManager;

  constructor(readonly options: NodeOptions) {
    this.rules = createChannelRules(options.config.channel);
    this.hub = new Hub((err) => options.logger.error({ err }, "delivery to a subscriber failed"));
    const boundary = createEngineBoundary(options.logger);
    this.broker = boundary.broker(options.broker);
    this.presenceManager = boundary.presence(options.presence);
    this.maps = boundary.mapBroker(options.mapBroker(createMapChannelResolver(this.rules)));
    const locks = new ChannelLocks();
    this.interest = new ChannelInterest(this.broker, this.hub, locks, options.logger);
    this.mapInterest = new ChannelInterest(this.maps, this.hub, locks, options.logger);
    this.cluster = new Cluster(this, boundary.controller(options.controller));
    this.cluster.onSurvey("channels", (data) => answerChannels(this.hub, data));
  }

  get config(): Config {
    return this.options.config;
  }

  get log(): Logger {
    return this.options.logger;
  }

  /** Starts the engine and joins the cluster: the first heartbeat tells every node this one exists. */
  async start(): Promise<void> {
    await this.presenceManager.start();
    await this.broker.start(this);
    await this.maps.start(this);
    await this.cluster.start();
  }

  /** Leaves the cluster (peers forget this node at once) and closes the engine. */
  async close(): Promise<void> {
    this.interest.close();
    this.mapInterest.close();
    await this.cluster.close();
    await this.broker.close();
    await this.maps.close();
    await this.presenceManager.close();
  }

  /** The channel's namespace options; throws 102 for an unknown namespace. */
  channel(channel: string): ChannelInfo {
    const info = this.rules.resolve(channel);
    if (!info) throw errors.unknownChannel();
    return info;
  }

  publish(
    channel: string,
    data: Uint8Array,
    o: NodePublishOptions,
    info = this.channel(channel),
  ): Promise<PublishResult> {
    const ns = info.options;
    const history = !o.skipHistory && keepsHistory(ns.history_size, ns.history_ttl);
    return this.broker.publish(channel, data, {
      historySize: history ? ns.history_size : 0,
      historyTtl: history ? ns.history_ttl : 0,
      historyMetaTtl: this.rules.metaTtl(ns),
      info: o.info,
      tags: o.tags,
      idempotencyKey: o.idempotencyKey,
      delta: o.delta || ns.delta_publish,
      version: o.version,
      versionEpoch: o.versionEpoch,
    });
  }

  /** Reads history; a `since` from another epoch is an unrecoverable position (112). */
  async history(
    channel: string,
    o: NodeHistoryOptions,
    info = this.channel(channel),
  ): Promise<HistoryResult> {
    if (o.reverse && o.since && o.since.offset === 0) throw errors.badRequest();
    const result = await this.broker.history(channel, {
      since: o.since,
      limit: o.limit,
      reverse: o.reverse,
      metaTtl: this.rules.metaTtl(info.options),
    });
    if (o.since?.epoch && o.since.epoch !== result.position.epoch) throw errors.unrecoverablePosition();
    return result;
  }

  removeHistory(channel: string): Promise<void> {
    return this.broker.removeHistory(channel);
  }

  presence(channel: string): Promise<Map<string, ClientInfo>> {
    return this.presenceManager.presence(channel);
  }

  presenceStats(channel: string): Promise<PresenceStats> {
    return this.presenceManager.presenceStats(channel);
  }

  /** Adds or refreshes a connection's presence entry. */
  addPresence(channel: string, clientId: string, info: ClientInfo): Promise<void> {
    return this.presenceManager.addPresence(channel, clientId, info);
  }

  removePresence(channel: string, clientId: string, user: string): Promise<void> {
    return this.presenceManager.removePresence(channel, clientId, user);
  }

  publishJoin(channel: string, info: ClientInfo): Promise<void> {
    return this.broker.publishJoin(channel, info);
  }

  publishLeave(channel: string, info: ClientInfo): Promise<void> {
    return this.broker.publishLeave(channel, info);
  }

  /**
   * Registers local subscribers (a connection's server-side channels come as
   * one batch); the broker subscribes the channels new to this node in one
   * call. On failure nothing stays registered.
   */
  async addSubscribers(subs: readonly HubSubscriber[]): Promise<void> {
    const maps = subs.filter((sub) => this.isMap(sub.channel));
    if (maps.length === 0) return this.interest.add(subs);
    if (maps.length === subs.length) return this.mapInterest.add(subs);
    const streams = subs.filter((sub) => !this.isMap(sub.channel));
    await this.mapInterest.add(maps);
    try {
      await this.interest.add(streams);
    } catch (err) {
      await Promise.all(maps.map((sub) => this.mapInterest.remove(sub.channel, sub.client.id)));
      throw err;
    }
  }

  removeSubscriber(channel: string, clientId: string): Promise<void> {
    return (this.isMap(channel) ? this.mapInterest : this.interest).remove(channel, clientId);
  }

  /** Whether the channel's namespace holds map subscriptions (their changes come from the map broker). */
  isMap(channel: string): boolean {
    const options = this.rules.resolve(channel)?.options;
    return options !== undefined && isMapNamespace(options);
  }

  /** Subscribes a user's connections on every node, with the namespace's options and the request's overrides. */
  subscribeUser(target: ConnectionFilter, channel: string, req: ServerSubscribeRequest): Promise<void> {
    const o = resolveSubscribeOptions(this.channel(channel).options, {
      by: "server",
      override: req.override,
    });
    return this.cluster.command(
      commands.subscribe(target, channel, {
        expireAt: req.expireAt,
        chanInfo: req.chanInfo,
        data: req.data,
        recoverSince: req.recoverSince,
        presence: o.presence,
        joinLeave: o.emitJoinLeave,
        pushJoinLeave: o.pushJoinLeave,
        positioned: o.positioned,
        recoverable: o.recoverable,
      }),
    );
  }

  unsubscribeUser(target: ConnectionFilter, channel: string): Promise<void> {
    return this.cluster.command(commands.unsubscribe(target, channel, unsubscribes.server));
  }

  /**
   * Closes a user's connections on every node. Codes outside 3000–4999 are
   * refused (107): a WebSocket close frame cannot carry most of them and the
   * protocol gives the rest no meaning.
   */
  async disconnectUser(target: ConnectionFilter, disconnect: Disconnect, whitelist: string[]): Promise<void> {
    if (disconnect.code < 3000 || disconnect.code > 4999) throw errors.badRequest();
    return this.cluster.command(commands.disconnect(target, disconnect, whitelist));
  }

  refreshUser(
    target: ConnectionFilter,
    expired: boolean,
    expireAt: number,
    info?: Uint8Array,
  ): Promise<void> {
    return this.cluster.command(commands.refresh(target, expired, expireAt, info));
  }

  /** Channels with at least one subscriber on any node, matching a glob pattern, with their subscriber counts. */
  async surveyChannels(pattern: string): Promise<Map<string, number>> {
    const request = toBinary(ChannelsRequestSchema, create(ChannelsRequestSchema, { pattern }));
    const out = new Map<string, number>();
    for (const reply of await this.cluster.survey("channels", request)) {
      if (reply.code !== surveyCodes.ok) throw errors.internal();
      const result = fromBinary(ChannelsResultSchema, reply.data);
      for (const [channel, info] of Object.entries(result.channels)) {
        out.set(channel, (out.get(channel) ?? 0) + info.numClients);
      }
    }
    return out;
  }

  surveyed(op: string, seconds: number): void {
    this.options.surveyed?.(op, seconds);
  }

  /** This node and the peers heard from within the last few seconds. */
  info(): NodeSnapshot[] {
    return this.cluster.nodes();
  }

  snapshot(): NodeSnapshot {
    return {
      uid: this.id,
      name: this.options.name(),
      version: this.options.version,
      numClients: this.hub.numClients,
      numUsers: this.hub.numUsers,
      numChannels: this.hub.numChannels,
      numSubs: this.hub.numSubs,
      uptime: Math.floor((Date.now() - this.startedAt) / 1000),
      metrics: this.options.infoMetrics?.(),
    };
  }

  onPublication(
    channel: string,
    pub: Publication,
    position: StreamPosition,
    delta: boolean,
    prev?: Publication,
  ): void {
    // Whether the node is falling behind is one question per publication, not one per subscriber.
    const maxLag = this.config.client.channel_position_max_time_lag;
    const late = maxLag > 0 && pub.offset > 0 && Date.now() - pub.time > maxLag;
    this.hub.publication(channel, pub, position, delta, prev, late);
  }

  onJoin(channel: string, info: ClientInfo): void {
    this.hub.join(channel, info);
  }

  onLeave(channel: string, info: ClientInfo): void {
    this.hub.leave(channel, info);
  }

  onDeliveryGap(channels: readonly string[]): void {
    for (const channel of channels) for (const sub of this.hub.subscribers(channel)) sub.recheckPosition();
  }
}
