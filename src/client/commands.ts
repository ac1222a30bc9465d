import type {
  HistoryRequest,
  PresenceRequest,
  PresenceStatsRequest,
  PublishRequest,
  RPCRequest,
} from "../../gen/centrifugal/centrifuge/protocol/client_pb.js";
import { keepsHistory } from "../core/broker.js";
import { disconnects } from "../errors/disconnect.js";
import { errors } from "../errors/rotor-error.js";
import type { ChannelInfo } from "../node/channel-rules.js";
import { type PublishGrant, publishViaProxy } from "../proxy/calls/publish.js";
import { rpcViaProxy } from "../proxy/calls/rpc.js";
import type { Connection } from "./connection.js";
import { canUse } from "./permissions.js";
import { wirePublication } from "./wire.js";

/** Resolves a channel named in a command; empty names are protocol violations. */
export function channelOf(s: Connection, name: string): ChannelInfo {
  if (name === "") throw disconnects.badRequest;
  const info = s.ctx.node.channel(name);
  if (!s.ctx.node.rules.isValidName(name, info)) throw errors.badRequest();
  return info;
}

/**
 * Client `publish`: name and `publication_data_format` checks, then the
 * namespace's publish proxy decides (and may change what is published), or a
 * bidirectional subscribe stream takes the data, or the namespace's
 * permissions allow it.
 */
export async function handlePublish(s: Connection, id: number, req: PublishRequest): Promise<void> {
  if (req.data.length === 0) throw disconnects.badRequest;
  const channel = channelOf(s, req.channel);
  const format = channel.options.publication_data_format;
  if (format === "json" || format === "json_object") {
    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(req.data).toString());
    } catch {
      throw errors.badRequest();
    }
    if (format === "json_object" && (typeof value !== "object" || value === null || Array.isArray(value))) {
      throw errors.badRequest();
    }
  }
  const sub = s.subscriptions.get(req.channel);
  if (channel.options.subscribe_stream_proxy_enabled) {
    const publish = sub?.options.stream?.publish;
    if (!publish) throw errors.notAvailable();
    if (!publish(req.data)) throw errors.internal();
    s.reply(id, { publish: {} });
    return;
  }
  const proxy = s.ctx.proxies.channel("publish", channel.options);
  let grant: PublishGrant | undefined;
  if (proxy) {
    grant = await publishViaProxy(proxy, s, req.channel, req.data);
    if (s.closed) return;
  } else if (!canUse("publish", s, channel.options, sub !== undefined)) {
    throw errors.permissionDenied();
  }
  const { data, ...options } = grant ?? { data: req.data };
  const info = s.clientInfo(s.subscriptions.get(req.channel)?.chanInfo);
  await s.ctx.node.publish(req.channel, data, { ...options, info }, channel);
  s.reply(id, { publish: {} });
}

/** Checks that presence may be read on a channel. */
function checkPresence(s: Connection, name: string): void {
  const channel = channelOf(s, name);
  if (!channel.options.presence) throw errors.notAvailable();
  if (!canUse("presence", s, channel.options, s.subscriptions.has(name))) throw errors.permissionDenied();
}

export async function handlePresence(s: Connection, id: number, req: PresenceRequest): Promise<void> {
  checkPresence(s, req.channel);
  const members = await s.ctx.node.presence(req.channel);
  s.reply(id, { presence: { presence: Object.fromEntries(members) } });
}

export async function handlePresenceStats(
  s: Connection,
  id: number,
  req: PresenceStatsRequest,
): Promise<void> {
  checkPresence(s, req.channel);
  const stats = await s.ctx.node.presenceStats(req.channel);
  s.reply(id, { presenceStats: { numClients: stats.numClients, numUsers: stats.numUsers } });
}

/** Client `history`: limit capped by client.history_max_publication_limit; a foreign epoch is 112. */
export async function handleHistory(s: Connection, id: number, req: HistoryRequest): Promise<void> {
  const channel = channelOf(s, req.channel);
  const ns = channel.options;
  if (!keepsHistory(ns.history_size, ns.history_ttl)) throw errors.notAvailable();
  if (!canUse("history", s, ns, s.subscriptions.has(req.channel))) throw errors.permissionDenied();
  const max = s.ctx.config.client.history_max_publication_limit;
  const limit = max > 0 && (req.limit < 0 || req.limit > max) ? max : req.limit;
  const since = req.since ? { offset: Number(req.since.offset), epoch: req.since.epoch } : undefined;
  const result = await s.ctx.node.history(req.channel, { limit, since, reverse: req.reverse }, channel);
  s.reply(id, {
    history: {
      publications: result.publications.map((pub) => wirePublication(s, pub)),
      epoch: result.position.epoch,
      offset: BigInt(result.position.offset),
    },
  });
}

/**
 * Client `rpc`: the built-in ping method (`rpc.ping`) answers at once; other
 * methods go to the proxy of their rpc namespace. Without any RPC proxy
 * Centrifugo registers no RPC handler, so the command as a whole is
 * unavailable (108) — centrifuge-js expects that code, not "method not
 * found" (104), which is for an rpc namespace that does not exist.
 */
export async function handleRpc(s: Connection, id: number, req: RPCRequest): Promise<void> {
  const { rpc } = s.ctx.config;
  if (rpc.ping.enabled && req.method === rpc.ping.method) {
    s.reply(id, { rpc: {} });
    return;
  }
  const data = await rpcViaProxy(s.ctx.proxies.rpc(req.method), s, req.method, req.data);
  if (s.closed) return;
  s.reply(id, { rpc: { data } });
}

/** Client `send`: asynchronous messages need a handler, which rotor does not have (3508). */
export async function handleSend(_s: Connection): Promise<void> {
  throw disconnects.notAvailable;
}
