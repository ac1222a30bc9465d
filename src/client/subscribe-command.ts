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
import type { ServerSubscribeOptions } from "../node/control.js";
import { resolveSubscribeOptions } from "../node/subscribe-options.js";
import type { SubscribeStream } from "../proxy/calls/subscribe-stream.js";
import type { Connection } from "./connection.js";
import { endMapFlow, mapFlow } from "./map-flow.js";
import { handleMapSubscribe } from "./map-subscribe.js";
import { canUse } from "./permissions.js";
import { isSharedPollSubscribe, sharedPollType, subscribeSharedPoll } from "./shared-poll-subscription.js";
import { authorize, checkTagsFilter } from "./subscribe-authorization.js";
import { grantedParams, runStream } from "./subscribe-backend.js";
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

/** Options for a token or permission subscription: forced ones, and those the client asks for and may have. */
function requestedParams(
  s: Connection,
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

/** Client `subscribe`: validation, permission, then subscription with the options the client may have. */
export async function handleSubscribe(s: Connection, id: number, req: SubscribeRequest): Promise<void> {
  const { node, config } = s.ctx;
  if (req.channel === "" || (req.delta !== "" && req.delta !== "fossil")) throw disconnects.badRequest;
  if (req.channel.length > config.channel.max_length) throw errors.badRequest();
  if (req.type !== sharedPollType && (req.type !== 0 || node.isMap(req.channel))) {
    return handleMapSubscribe(s, id, req);
  }
  const reservation = s.subscriptions.reserve(req.channel, config.client.channel_limit);
  let stream: SubscribeStream | undefined;
  try {
    const channel = node.channel(req.channel);
    if (!node.rules.isValidName(req.channel, channel)) throw errors.badRequest();
    const sharedPoll = isSharedPollSubscribe(req, channel.options);
    if (req.tf) checkTagsFilter(s, req.tf, channel.options);
    const auth = await authorize(s, req, channel);
    if (auth.via === "stream") stream = auth.stream;
    if (reservation.phase === "closed") return;
    if (sharedPoll) {
      subscribeSharedPoll(s, id, reservation, channel, auth.via === "token" ? auth.claims : undefined);
      return;
    }
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
export async function handleUnsubscribe(s: Connection, id: number, req: UnsubscribeRequest): Promise<void> {
  const flow = mapFlow(s, req.channel);
  if (flow) endMapFlow(s, flow);
  await unsubscribeChannel(s, req.channel);
  s.reply(id, { unsubscribe: {} });
}

/** API Subscribe on this connection: subscribes and tells the client with a subscribe push. */
export async function subscribeByServer(
  s: Connection,
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
