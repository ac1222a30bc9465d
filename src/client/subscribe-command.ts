import type {
  SubscribeRequest,
  UnsubscribeRequest,
} from "../../gen/centrifugal/centrifuge/protocol/client_pb.js";
import type { SubscriptionClaims } from "../auth/token-verifier.js";
import type { ChannelOptions } from "../config/namespace-schema.js";
import type { SubscribeOverride } from "../core/subscribe-override.js";
import { disconnects } from "../errors/disconnect.js";
import { errors } from "../errors/rotor-error.js";
import { logFailure } from "../lifecycle/background.js";
import type { ChannelInfo } from "../node/channel-rules.js";
import type { ServerSubscribeOptions } from "../node/control.js";
import { resolveSubscribeOptions } from "../node/subscribe-options.js";
import type { SubscribeStream } from "../proxy/calls/subscribe-stream.js";
import { type FilterNode, validateFilter } from "../tags-filter/filter-node.js";
import { endMapFlow, mapFlow } from "./map-flow.js";
import { handleMapSubscribe } from "./map-subscribe.js";
import { canSubscribeWithoutToken, canUse } from "./permissions.js";
import type { ClientSession } from "./session.js";
import { authorizeByBackend, type BackendGrant, grantedParams, runStream } from "./subscribe-backend.js";
import { type SubscribeParams, subscribeChannel, unsubscribeChannel } from "./subscribe-flow.js";

export { unsubscribeAll, unsubscribeChannel } from "./subscribe-flow.js";

const rejectUnrecoveredFlag = 2n;

/** What a server-side subscription (token `channels`/`subs`, connect with recovery) gets: the namespace's forced options. */
export function serverSideParams(ns: ChannelOptions, o: SubscribeOverride | undefined): SubscribeParams {
  return {
    ...resolveSubscribeOptions(ns, { by: "server", override: o }),
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
export async function authorize(
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
  const asks = {
    recoverable: req.recoverable,
    positioned: req.positioned,
    joinLeave: req.joinLeave,
    delta: req.delta === "fossil",
    mayReadHistory: canUse("history", s, ns, true) || claims !== undefined,
    mayReadPresence: canUse("presence", s, ns, true) || claims !== undefined,
  };
  return {
    ...resolveSubscribeOptions(ns, { by: "client", override: claims?.override, asks }),
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

/**
 * A client's tags filter (on a stream or a map subscription) is refused with
 * 107, as Centrifugo does, where the namespace does not set
 * `allow_tags_filter` or the filter is not valid (the reason is logged, not sent).
 */
export function checkTagsFilter(s: ClientSession, filter: FilterNode, ns: ChannelOptions): void {
  const invalid = ns.allow_tags_filter ? validateFilter(filter) : "allow_tags_filter is off";
  if (invalid === undefined) return;
  s.ctx.log.debug({ client: s.id, reason: invalid }, "tags filter refused");
  throw errors.badRequest();
}

/** Client `subscribe`: validation, permission, then subscription with the options the client may have. */
export async function handleSubscribe(s: ClientSession, id: number, req: SubscribeRequest): Promise<void> {
  const { node, config } = s.ctx;
  if (req.channel === "" || (req.delta !== "" && req.delta !== "fossil")) throw disconnects.badRequest;
  if (req.channel.length > config.channel.max_length) throw errors.badRequest();
  if (req.type !== 0 || node.isMap(req.channel)) return handleMapSubscribe(s, id, req);
  const reservation = s.subscriptions.reserve(req.channel, config.client.channel_limit);
  let stream: SubscribeStream | undefined;
  try {
    const channel = node.channel(req.channel);
    if (!node.rules.isValidName(req.channel, channel)) throw errors.badRequest();
    if (req.tf) checkTagsFilter(s, req.tf, channel.options);
    const auth = await authorize(s, req, channel);
    if (auth.via === "stream") stream = auth.stream;
    if (reservation.phase === "closed") return;
    const params: SubscribeParams = {
      ...(auth.via === "token" || auth.via === "permission"
        ? requestedParams(s, req, channel.options, auth.via === "token" ? auth.claims : undefined)
        : grantedParams(req, channel.options, auth)),
      tagsFilter: req.tf,
    };
    if (params.expireAt > 0 && params.expireAt < Date.now() / 1000) throw errors.expired();
    const subscribed = await subscribeChannel(s, reservation, params);
    if (!subscribed) return;
    s.reply(id, { subscribe: subscribed.result });
    subscribed.commit();
    if (stream) runStream(s, req.channel, stream);
    stream = undefined;
  } finally {
    stream?.cancel();
    s.subscriptions.release(reservation);
  }
}

/** Client `unsubscribe`: always `{}`, also when not subscribed; a map subscribe in progress ends. */
export async function handleUnsubscribe(
  s: ClientSession,
  id: number,
  req: UnsubscribeRequest,
): Promise<void> {
  const flow = mapFlow(s, req.channel);
  if (flow) endMapFlow(s, flow);
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
  if (!info || s.subscriptions.holds(channel)) return;
  const reservation = s.subscriptions.reserve(channel);
  try {
    const subscribed = await subscribeChannel(s, reservation, {
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
    if (!subscribed) return;
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
    logFailure(s.ctx.log, "server-side subscribe", err, { channel, client: s.id });
  } finally {
    s.subscriptions.release(reservation);
  }
}
