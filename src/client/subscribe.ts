import type {
  SubscribeRequest,
  UnsubscribeRequest,
} from "../../gen/centrifugal/centrifuge/protocol/client_pb.js";
import type { SubscriptionClaims } from "../auth/token-verifier.js";
import type { ChannelOptions } from "../config/namespace-schema.js";
import { disconnects } from "../errors/disconnect.js";
import { errors } from "../errors/rotor-error.js";
import type { ChannelInfo } from "../node/channel-rules.js";
import { type ServerSubscribeOptions, type SubscribeOverride, withOverride } from "../node/control.js";
import type { SubscribeStream } from "../proxy/calls/subscribe-stream.js";
import { canSubscribeWithoutToken, canUse } from "./permissions.js";
import type { ClientSession } from "./session.js";
import { type SubscribeParams, subscribeChannel, unsubscribeChannel } from "./subscribe-channel.js";
import { authorizeByBackend, type BackendGrant, grantedParams, runStream } from "./subscribe-proxy.js";

export { unsubscribeAll, unsubscribeChannel } from "./subscribe-channel.js";

const rejectUnrecoveredFlag = 2n;

/** What a server-side subscription (token `channels`/`subs`, API Subscribe) gets: the namespace's forced options. */
export function serverSideParams(ns: ChannelOptions, o: SubscribeOverride | undefined): SubscribeParams {
  const opts = withOverride(ns, o);
  return {
    presence: opts.presence,
    emitJoinLeave: opts.joinLeave,
    pushJoinLeave: opts.forcePushJoinLeave,
    positioned: opts.forcePositioning || opts.forceRecovery,
    recoverable: opts.forceRecovery,
    delta: false,
    serverSide: true,
    chanInfo: undefined,
    rejectUnrecovered: false,
    cacheRecovery: ns.force_recovery_mode === "cache",
    autoCacheRecover: ns.auto_cache_recover,
    expireAt: 0,
  };
}

/** Why a client may subscribe: its token, the backend, or the namespace's permissions. */
type Authorization =
  | { readonly via: "token"; readonly claims: SubscriptionClaims }
  | BackendGrant
  | { readonly via: "permission" };

/**
 * Centrifugo's order: a token is verified; a private channel needs one; a
 * user-limited channel admits its users; then the namespace's subscribe or
 * stream proxy decides; then the namespace's permissions.
 */
async function authorize(
  s: ClientSession,
  req: SubscribeRequest,
  channel: ChannelInfo,
): Promise<Authorization> {
  if (req.token !== "") {
    const verified = await s.ctx.tokens.verifySubscriptionToken(req.token);
    if ("error" in verified)
      throw verified.error === "expired" ? errors.tokenExpired() : errors.permissionDenied();
    const claims = verified.claims;
    if (
      claims.channel !== req.channel ||
      claims.user !== s.user ||
      (claims.client && claims.client !== s.id)
    ) {
      throw disconnects.invalidToken;
    }
    return { via: "token", claims };
  }
  if (channel.isPrivate) throw errors.permissionDenied();
  const userLimited = channel.options.allow_user_limited_channels && channel.allowedUsers;
  const granted = userLimited ? undefined : await authorizeByBackend(s, req, channel);
  if (granted) return granted;
  if (!canSubscribeWithoutToken(s, channel)) throw errors.permissionDenied();
  return { via: "permission" };
}

/** Options for a token or permission subscription: forced ones, and those the client asks for and may have. */
function requestedParams(
  s: ClientSession,
  req: SubscribeRequest,
  ns: ChannelOptions,
  claims: SubscriptionClaims | undefined,
): SubscribeParams {
  const opts = withOverride(ns, claims?.override);
  const history = canUse("history", s, ns, true) || claims !== undefined;
  const presence = canUse("presence", s, ns, true) || claims !== undefined;
  const recoverable = opts.forceRecovery || (req.recoverable && (ns.allow_recovery || history));
  const positioned =
    recoverable || opts.forcePositioning || (req.positioned && (ns.allow_positioning || history));
  return {
    presence: opts.presence,
    emitJoinLeave: opts.joinLeave,
    pushJoinLeave: opts.forcePushJoinLeave || (req.joinLeave && opts.joinLeave && presence),
    positioned,
    recoverable,
    delta: req.delta === "fossil" && ns.allowed_delta_types.includes("fossil") && positioned,
    serverSide: false,
    chanInfo: claims?.info,
    recoverSince: req.recover ? { offset: Number(req.offset), epoch: req.epoch } : undefined,
    rejectUnrecovered: (req.flag & rejectUnrecoveredFlag) !== 0n,
    cacheRecovery: ns.force_recovery_mode === "cache",
    autoCacheRecover: ns.auto_cache_recover,
    expireAt: s.insecure ? 0 : (claims?.expireAt ?? 0),
    data: claims?.data,
  };
}

/** Client `subscribe`: validation, permission, then subscription with the options the client may have. */
export async function handleSubscribe(s: ClientSession, id: number, req: SubscribeRequest): Promise<void> {
  const { node, config } = s.ctx;
  if (req.channel === "" || (req.delta !== "" && req.delta !== "fossil")) throw disconnects.badRequest;
  if (req.channel.length > config.channel.max_length) throw errors.badRequest();
  if (s.subscriptions.has(req.channel) || s.subscribing.has(req.channel)) throw errors.alreadySubscribed();
  if (config.client.channel_limit > 0 && s.subscriptions.size >= config.client.channel_limit) {
    throw errors.limitExceeded();
  }
  const channel = node.channel(req.channel);
  if (!node.rules.isValidName(req.channel, channel)) throw errors.badRequest();
  if (req.type !== 0) throw errors.permissionDenied();
  if (req.tf) throw errors.badRequest();
  s.subscribing.add(req.channel);
  let stream: SubscribeStream | undefined;
  try {
    const auth = await authorize(s, req, channel);
    if (auth.via === "stream") stream = auth.stream;
    if (s.closed) return;
    const params =
      auth.via === "token" || auth.via === "permission"
        ? requestedParams(s, req, channel.options, auth.via === "token" ? auth.claims : undefined)
        : grantedParams(req, channel.options, auth);
    if (params.expireAt > 0 && params.expireAt < Date.now() / 1000) throw errors.expired();
    const subscribed = await subscribeChannel(s, req.channel, params);
    s.reply(id, { subscribe: subscribed.result });
    subscribed.commit();
    if (stream) runStream(s, req.channel, stream);
    stream = undefined;
  } finally {
    stream?.cancel();
    s.subscribing.delete(req.channel);
  }
}

/** Client `unsubscribe`: always `{}`, also when not subscribed. */
export async function handleUnsubscribe(
  s: ClientSession,
  id: number,
  req: UnsubscribeRequest,
): Promise<void> {
  await unsubscribeChannel(s, req.channel);
  s.reply(id, { unsubscribe: {} });
}

/** API Subscribe on this connection: subscribes and tells the client with a subscribe push. */
export async function subscribeByServer(
  s: ClientSession,
  channel: string,
  o: ServerSubscribeOptions,
): Promise<void> {
  const info = s.ctx.node.rules.resolve(channel);
  if (!info || s.subscriptions.has(channel) || s.subscribing.has(channel)) return;
  s.subscribing.add(channel);
  try {
    const subscribed = await subscribeChannel(s, channel, {
      presence: o.presence,
      emitJoinLeave: o.joinLeave,
      pushJoinLeave: o.pushJoinLeave,
      positioned: o.positioned || o.recoverable,
      recoverable: o.recoverable,
      delta: false,
      serverSide: true,
      chanInfo: o.chanInfo,
      rejectUnrecovered: false,
      cacheRecovery: info.options.force_recovery_mode === "cache",
      autoCacheRecover: info.options.auto_cache_recover,
      expireAt: o.expireAt,
      recoverSince: o.recoverSince,
      data: o.data,
    });
    const r = subscribed.result;
    s.push({
      channel,
      subscribe: {
        recoverable: r.recoverable,
        epoch: r.epoch,
        offset: r.offset,
        positioned: r.positioned,
        data: o.data,
      },
    });
    subscribed.commit();
  } catch (err) {
    s.ctx.log.warn({ err, channel, client: s.id }, "server-side subscribe failed");
  } finally {
    s.subscribing.delete(channel);
  }
}
