import type { MessageInitShape } from "@bufbuild/protobuf";
import type {
  ConnectRequest,
  ConnectResultSchema,
  SubscribeResultSchema,
} from "../../gen/centrifugal/centrifuge/protocol/client_pb.js";
import type { ConnectionClaims } from "../auth/token-verifier.js";
import type { SubscribeOverride } from "../core/subscribe-override.js";
import { disconnects } from "../errors/disconnect.js";
import { errors } from "../errors/rotor-error.js";
import type { ChannelInfo } from "../node/channel-rules.js";
import { connectViaProxy } from "../proxy/calls/connect.js";
import type { Connection } from "./connection.js";
import { canSubscribeWithoutToken } from "./permissions.js";
import { personalChannel } from "./personal-channel.js";
import { serverSideParams } from "./subscribe-command.js";
import { type SubscribeParams, subscribeChannels } from "./subscribe-flow.js";
import { ttlUntil } from "./wire.js";

interface ServerSub {
  override?: SubscribeOverride | undefined;
  info?: Uint8Array | undefined;
  data?: Uint8Array | undefined;
}

/** Who the client is: from its token or the connect proxy; `data` goes into the connect reply. */
type Credentials = ConnectionClaims & {
  readonly data?: Uint8Array | undefined;
  /** Set by `client.user_id_http_header`: a bare user, with no personal channel (Centrifugo's order of checks). */
  readonly fromHeader?: boolean;
};

/** The user a trusted proxy in front named in `client.user_id_http_header`: no expiry, no info, no channels. */
function headerCredentials(user: string): Credentials {
  return {
    user,
    expireAt: 0,
    exp: undefined,
    info: undefined,
    channels: [],
    subs: {},
    meta: undefined,
    fromHeader: true,
  };
}

/**
 * Credentials from the token; without a token, from the connect proxy when
 * one is configured; otherwise (or when the backend sends no result) null
 * for an anonymous connection where allowed, then the user named by
 * `client.user_id_http_header`, and 3501 when there is none.
 */
async function credentials(s: Connection, req: ConnectRequest): Promise<Credentials | null> {
  const client = s.ctx.config.client;
  if (req.token === "") {
    const proxy = s.ctx.proxies.connect;
    const granted = proxy
      ? await connectViaProxy(proxy, s, {
          data: req.data,
          name: req.name,
          version: req.version,
          channels: Object.keys(req.subs),
        })
      : undefined;
    if (granted) return granted;
    if (client.allow_anonymous_connect_without_token || client.insecure) return null;
    if (s.headerUser) return headerCredentials(s.headerUser);
    throw disconnects.badRequest;
  }
  const verified = await s.ctx.tokens.verifyConnectToken(req.token);
  if ("claims" in verified) {
    if (verified.claims.user === "" && client.disallow_anonymous_connection_tokens) {
      throw disconnects.permissionDenied;
    }
    return client.insecure ? { ...verified.claims, expireAt: 0 } : verified.claims;
  }
  if (verified.error === "expired") throw errors.tokenExpired();
  s.ctx.log.debug({ reason: verified.reason }, "invalid connection token");
  throw disconnects.invalidToken;
}

/** Server-side subscriptions: the token's `subs`/`channels`, plus recoverable ones the client names and may subscribe to. */
function serverSubscriptions(s: Connection, claims: ConnectionClaims | null, req: ConnectRequest) {
  const subs = new Map<string, ServerSub>();
  for (const channel of claims?.channels ?? []) subs.set(channel, {});
  for (const [channel, sub] of Object.entries(claims?.subs ?? {})) subs.set(channel, sub);
  for (const channel of Object.keys(req.subs)) {
    if (subs.has(channel)) continue;
    const info = s.ctx.node.rules.resolve(channel);
    if (!info) throw disconnects.badRequest;
    if (!info.isPrivate && s.ctx.node.rules.isValidName(channel, info) && canSubscribeWithoutToken(s, info)) {
      subs.set(channel, {});
    }
  }
  return subs;
}

/**
 * `connect`: authenticates (token or anonymous), registers the connection,
 * subscribes its server-side channels and answers with the connect result
 * (a reply on bidirectional transports, a connect push on the others).
 */
export async function handleConnect(s: Connection, id: number, req: ConnectRequest): Promise<void> {
  if (s.state !== "connecting") throw disconnects.badRequest;
  const { config, node, proxies } = s.ctx;
  if (Object.keys(req.headers).length > 0) s.forwarded = proxies.withEmulated(s.forwarded, req.headers);
  const claims = await credentials(s, req);
  if (s.closed) return;
  s.identity.establish(claims);
  const limit = config.client.user_connection_limit;
  if (limit > 0 && s.user !== "" && [...node.hub.targets({ user: s.user })].length >= limit) {
    throw disconnects.connectionLimit;
  }
  if (s.identity.expiredAt(Date.now() / 1000)) throw errors.expired();
  const wanted = serverSubscriptions(s, claims, req);
  const personal = claims && !claims.fromHeader ? await personalChannel(s, claims.user) : undefined;
  if (s.closed) return;
  if (personal !== undefined) wanted.set(personal, {});
  if (config.client.channel_limit > 0 && wanted.size > config.client.channel_limit) {
    throw disconnects.channelLimit;
  }
  const resolved: [string, ServerSub, ChannelInfo][] = [];
  for (const [channel, sub] of wanted) {
    const info = node.rules.resolve(channel);
    if (!info) throw errors.unknownChannel();
    resolved.push([channel, sub, info]);
  }
  s.markConnected(req.name, req.version);
  const done = await subscribeChannels(
    s,
    resolved.map(([channel, sub, info]) => {
      const reservation = s.subscriptions.reserve(channel);
      const known = req.subs[channel];
      const params: SubscribeParams = {
        ...serverSideParams(info.options, sub.override),
        chanInfo: sub.info,
        data: sub.data,
        recoverSince: known?.recover ? { offset: Number(known.offset), epoch: known.epoch } : undefined,
      };
      return [reservation, params] as const;
    }),
  );
  if (!done) return;
  const subs: Record<string, MessageInitShape<typeof SubscribeResultSchema>> = {};
  resolved.forEach(([channel], i) => {
    subs[channel] = done[i]!.result;
  });
  const clientRefreshes = s.identity.expireAt > 0 && !proxies.refresh;
  const result: MessageInitShape<typeof ConnectResultSchema> = {
    client: s.id,
    version: s.ctx.version,
    // With a refresh proxy the server refreshes the connection itself: the client is not asked to.
    expires: clientRefreshes,
    ttl: clientRefreshes ? ttlUntil(s.identity.expireAt) : 0,
    data: claims?.data,
    subs,
    ping: Math.floor(config.client.ping_interval / 1000),
    pong: !s.unidirectional && config.client.pong_timeout > 0,
    session: s.transport.emulation || s.unidirectional ? s.session : "",
    node: s.transport.emulation ? node.id : "",
    time: config.client.connect_include_server_time ? BigInt(Date.now()) : 0n,
  };
  if (s.unidirectional) s.push({ connect: result });
  else s.reply(id, { connect: result });
  for (const subscribed of done) subscribed.commit();
}
