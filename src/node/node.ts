import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type {
  Broker,
  BrokerEventHandler,
  ClientInfo,
  HistoryResult,
  Publication,
  PublishResult,
  StreamPosition,
} from "../broker/types.js";
import type { Config } from "../config/schema.js";
import type { Disconnect } from "../errors/disconnect.js";
import { errors } from "../errors/rotor-error.js";
import type { PresenceManager, PresenceStats } from "../presence/types.js";
import { type ChannelInfo, type ChannelRules, createChannelRules } from "./channel-rules.js";
import {
  type ConnectionFilter,
  type ControlMessage,
  decodeControl,
  encodeControl,
  type NodeSnapshot,
  type ServerSubscribeOptions,
} from "./control.js";
import { answerSurvey, applyControl } from "./control-handlers.js";
import { Hub, type HubSubscriber } from "./hub.js";
import { Surveys } from "./surveys.js";

export interface NodeOptions {
  readonly config: Config;
  readonly broker: Broker;
  readonly presence: PresenceManager;
  readonly logger: Logger;
  /** The node name shown by Info; a function because the port is known only once listening. */
  readonly name: () => string;
  readonly version: string;
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

const heartbeatMs = 3000;

/**
 * The orchestrator: one per process. It resolves channels to their namespace
 * options, publishes through the broker, fans broker events out to local
 * subscribers through the hub, and applies server-side commands on every node.
 */
export class Node implements BrokerEventHandler {
  readonly id = randomUUID();
  readonly hub: Hub;
  readonly rules: ChannelRules;
  readonly startedAt = Date.now();
  private readonly surveys = new Surveys(3000);
  private readonly peers = new Map<string, { node: NodeSnapshot; seenAt: number }>();
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(readonly options: NodeOptions) {
    this.rules = createChannelRules(options.config.channel);
    this.hub = new Hub((err) => options.logger.error({ err }, "delivery to a subscriber failed"));
  }

  get config(): Config {
    return this.options.config;
  }

  get log(): Logger {
    return this.options.logger;
  }

  async start(): Promise<void> {
    await this.options.broker.start(this);
    this.heartbeat = setInterval(() => {
      this.sendControl({ type: "node", node: this.snapshot() }).catch((err) =>
        this.log.warn({ err }, "node heartbeat failed"),
      );
    }, heartbeatMs);
    this.heartbeat.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    await this.options.broker.close();
    await this.options.presence.close();
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
    const history = !o.skipHistory && ns.history_size > 0 && ns.history_ttl > 0;
    return this.options.broker.publish(channel, data, {
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
    const result = await this.options.broker.history(channel, {
      since: o.since,
      limit: o.limit,
      reverse: o.reverse,
      metaTtl: this.rules.metaTtl(info.options),
    });
    if (o.since?.epoch && o.since.epoch !== result.position.epoch) throw errors.unrecoverablePosition();
    return result;
  }

  removeHistory(channel: string): Promise<void> {
    return this.options.broker.removeHistory(channel);
  }

  presence(channel: string): Promise<Map<string, ClientInfo>> {
    return this.options.presence.presence(channel);
  }

  presenceStats(channel: string): Promise<PresenceStats> {
    return this.options.presence.presenceStats(channel);
  }

  addPresence(channel: string, clientId: string, info: ClientInfo): Promise<void> {
    return this.options.presence.addPresence(channel, clientId, info);
  }

  removePresence(channel: string, clientId: string, user: string): Promise<void> {
    return this.options.presence.removePresence(channel, clientId, user);
  }

  publishJoin(channel: string, info: ClientInfo): Promise<void> {
    return this.options.broker.publishJoin(channel, info);
  }

  publishLeave(channel: string, info: ClientInfo): Promise<void> {
    return this.options.broker.publishLeave(channel, info);
  }

  /** Registers a local subscriber; the broker subscribes when it is the channel's first. */
  async addSubscriber(channel: string, sub: HubSubscriber): Promise<void> {
    if (this.hub.addSubscriber(channel, sub)) await this.options.broker.subscribe(channel);
  }

  async removeSubscriber(channel: string, clientId: string): Promise<void> {
    if (this.hub.removeSubscriber(channel, clientId)) await this.options.broker.unsubscribe(channel);
  }

  subscribeUser(target: ConnectionFilter, channel: string, options: ServerSubscribeOptions): Promise<void> {
    return this.sendControl({ type: "subscribe", target, channel, options });
  }

  unsubscribeUser(target: ConnectionFilter, channel: string): Promise<void> {
    return this.sendControl({ type: "unsubscribe", target, channel });
  }

  /**
   * Closes a user's connections. Codes outside 3000–4999 are refused (107): a
   * WebSocket close frame cannot carry most of them and the protocol gives
   * the rest no meaning.
   */
  async disconnectUser(target: ConnectionFilter, disconnect: Disconnect, whitelist: string[]): Promise<void> {
    if (disconnect.code < 3000 || disconnect.code > 4999) throw errors.badRequest();
    return this.sendControl({ type: "disconnect", target, ...disconnect, whitelist });
  }

  refreshUser(target: ConnectionFilter, expired: boolean, expireAt: number, info?: string): Promise<void> {
    return this.sendControl({ type: "refresh", target, expired, expireAt, info });
  }

  /** Channels with at least one subscriber on any node, with their subscriber counts. */
  async channels(): Promise<Map<string, number>> {
    const replies = await this.survey("channels", null);
    const out = new Map<string, number>();
    for (const reply of replies as [string, number][][]) {
      for (const [channel, count] of reply) out.set(channel, (out.get(channel) ?? 0) + count);
    }
    return out;
  }

  /** This node and the peers heard from recently. */
  info(): NodeSnapshot[] {
    const now = Date.now();
    const out = [this.snapshot()];
    for (const [uid, peer] of this.peers) {
      if (now - peer.seenAt > 3 * heartbeatMs) this.peers.delete(uid);
      else if (uid !== this.id) out.push(peer.node);
    }
    return out;
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
    };
  }

  onPublication(
    channel: string,
    pub: Publication,
    position: StreamPosition,
    delta: boolean,
    prev?: Publication,
  ): void {
    this.hub.publication(channel, pub, position, delta, prev);
  }

  onJoin(channel: string, info: ClientInfo): void {
    this.hub.join(channel, info);
  }

  onLeave(channel: string, info: ClientInfo): void {
    this.hub.leave(channel, info);
  }

  onControl(data: Uint8Array): void {
    const message = decodeControl(data);
    if (!message) {
      this.log.warn("ignoring a malformed control message");
      return;
    }
    this.handleControl(message);
  }

  private handleControl(message: ControlMessage): void {
    switch (message.type) {
      case "node":
        this.peers.set(message.node.uid, { node: message.node, seenAt: Date.now() });
        return;
      case "survey": {
        const result = answerSurvey(this, message.op);
        const reply: ControlMessage = { type: "survey_reply", id: message.id, from: this.id, result };
        this.options.broker
          .publishControl(encodeControl(reply), message.from)
          .catch((err) => this.log.warn({ err }, "survey reply failed"));
        return;
      }
      case "survey_reply":
        this.surveys.reply(message.id, message.result);
        return;
      default:
        applyControl(this.hub, message);
    }
  }

  private survey(op: string, params: unknown): Promise<unknown[]> {
    const expected = this.info().length;
    return this.surveys.start(expected, (id) =>
      this.sendControl({ type: "survey", id, from: this.id, op, params }),
    );
  }

  private sendControl(message: ControlMessage): Promise<void> {
    return this.options.broker.publishControl(encodeControl(message));
  }
}
