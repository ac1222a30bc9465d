import type { SubscribeRequest } from "../../gen/centrifugal/centrifuge/protocol/client_pb.js";
import type { ChannelOptions } from "../config/namespace-schema.js";
import { unsubscribes } from "../errors/disconnect.js";
import { background } from "../lifecycle/background.js";
import type { ChannelInfo } from "../node/channel-rules.js";
import { resolveSubscribeOptions } from "../node/subscribe-options.js";
import type { SubscribeGrant } from "../proxy/calls/subscribe.js";
import { subscribeViaProxy } from "../proxy/calls/subscribe.js";
import { openSubscribeStream, type SubscribeStream } from "../proxy/calls/subscribe-stream.js";
import type { Connection } from "./connection.js";
import type { SubscribeParams } from "./subscribe-flow.js";
import { unsubscribeChannel } from "./subscribe-flow.js";

/** A subscription the backend decided on: by the subscribe proxy, or by a subscribe stream it opened. */
export type BackendGrant =
  | { readonly via: "proxy"; readonly grant: SubscribeGrant; readonly refreshedByServer: boolean }
  | { readonly via: "stream"; readonly grant: SubscribeGrant; readonly stream: SubscribeStream };

/**
 * Asks the namespace's subscribe proxy, or opens its subscribe stream;
 * undefined when the namespace has neither. The caller has already handled
 * tokens, private channels and user-limited channels, which never reach the
 * backend.
 */
export async function authorizeByBackend(
  s: Connection,
  req: SubscribeRequest,
  channel: ChannelInfo,
): Promise<BackendGrant | undefined> {
  const ns = channel.options;
  const { proxies } = s.ctx;
  const subscribe = proxies.channel("subscribe", ns);
  if (subscribe) {
    const grant = await subscribeViaProxy(subscribe, s, req.channel, req.data);
    return { via: "proxy", grant, refreshedByServer: proxies.channel("sub_refresh", ns) !== undefined };
  }
  const streamProxy = proxies.channel("subscribe_stream", ns);
  if (!streamProxy) return undefined;
  const bidirectional = ns.subscribe_stream_proxy_bidirectional;
  const stream = await openSubscribeStream(streamProxy, s, req.channel, req.data, bidirectional);
  return { via: "stream", grant: stream.grant, stream };
}

/**
 * Options of a backend-granted subscription: the namespace's, with the
 * backend's override; only forced recovery and positioning apply (the
 * client's own `recoverable`/`positioned` requests do not), and a stream's
 * subscription has neither, its publications having no offsets.
 */
export function grantedParams(req: SubscribeRequest, ns: ChannelOptions, b: BackendGrant): SubscribeParams {
  const stream = b.via === "stream";
  const source = {
    by: "backend",
    override: b.grant.override,
    stream,
    delta: req.delta === "fossil",
  } as const;
  return {
    ...resolveSubscribeOptions(ns, source),
    serverSide: false,
    chanInfo: b.grant.info,
    recoverSince: req.recover ? { offset: Number(req.offset), epoch: req.epoch } : undefined,
    rejectUnrecovered: false,
    cacheRecovery: ns.force_recovery_mode === "cache",
    autoCacheRecover: ns.auto_cache_recover,
    expireAt: b.grant.expireAt,
    data: b.grant.data,
    refreshedByServer: b.via === "proxy" && b.refreshedByServer,
    stream: stream ? b.stream : undefined,
  };
}

const noPosition = { offset: 0, epoch: "" };

/**
 * Feeds a subscribe stream's publications to its subscription, in the order
 * the backend sent them. When the backend ends the stream the client is
 * unsubscribed: 2000 for a clean end, 2500 for an error (the SDK resubscribes).
 */
export function runStream(s: Connection, channel: string, stream: SubscribeStream): void {
  const sub = s.subscriptions.get(channel);
  if (!sub || sub.options.stream !== stream) {
    stream.cancel();
    return;
  }
  stream.run(
    (pub) =>
      sub.deliverPublication(
        { offset: 0, data: pub.data, tags: pub.tags, time: Date.now() },
        noPosition,
        false,
        undefined,
        false,
        [],
      ),
    (end) => {
      if (s.subscriptions.get(channel) !== sub) return;
      const why = end === "eof" ? unsubscribes.server : unsubscribes.insufficientState;
      background(s.ctx.log, "unsubscribe", unsubscribeChannel(s, channel, why));
    },
  );
}
