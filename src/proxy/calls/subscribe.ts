import { CentrifugoProxy } from "../../../gen/centrifugal/centrifugo/proxy/proxy_pb.js";
import type { SubscribeOverride } from "../../core/subscribe-override.js";
import { errors } from "../../errors/rotor-error.js";
import type { BackendProxy, ProxyClient } from "../backend-proxy.js";
import { overrideOf, payloadOf, refuseIfAsked } from "./answer.js";

/** What the backend granted a subscription. */
export interface SubscribeGrant {
  /** Unix seconds; 0 never expires. */
  readonly expireAt: number;
  /** Channel info for this subscriber (ClientInfo.chan_info). */
  readonly info: Uint8Array | undefined;
  /** Sent to the client in the subscribe reply. */
  readonly data: Uint8Array | undefined;
  readonly override: SubscribeOverride | undefined;
}

/** The part of a SubscribeRequest the subscribe and subscribe-stream proxies share. */
export function subscribeRequest(
  proxy: BackendProxy,
  client: ProxyClient,
  channel: string,
  data: Uint8Array,
) {
  return {
    ...proxy.common(client),
    user: client.user,
    channel,
    ...proxy.meta(client),
    ...(data.length > 0 ? proxy.payload(data) : {}),
  };
}

/** A SubscribeResult as a grant; an empty or absent result grants the namespace defaults. */
export function grantOf(
  r: { expireAt: bigint; info: Uint8Array; b64info: string; data: Uint8Array; b64data: string } | undefined,
  override: SubscribeOverride | undefined,
): SubscribeGrant {
  return {
    expireAt: Number(r?.expireAt ?? 0),
    info: r ? payloadOf(r.info, r.b64info) : undefined,
    data: r ? payloadOf(r.data, r.b64data) : undefined,
    override,
  };
}

/**
 * Asks the subscribe proxy whether a client may subscribe (token-less
 * subscriptions in namespaces with `subscribe_proxy_enabled`). `{}` allows
 * with the namespace's options; `error` and `disconnect` refuse; an
 * unreachable backend is error 100 (temporary: the SDK retries).
 */
export async function subscribeViaProxy(
  proxy: BackendProxy,
  client: ProxyClient,
  channel: string,
  data: Uint8Array,
): Promise<SubscribeGrant> {
  const outcome = await proxy.unary(
    CentrifugoProxy.method.subscribe,
    subscribeRequest(proxy, client, channel, data),
    client,
  );
  if ("failure" in outcome) throw errors.internal();
  refuseIfAsked(outcome.response);
  const r = outcome.response.result;
  return grantOf(r, overrideOf(r?.override));
}
