import { disconnects, unsubscribes } from "../errors/disconnect.js";
import type { BackendProxy } from "../proxy/backend-proxy.js";
import { refreshViaProxy } from "../proxy/calls/refresh.js";
import { subRefreshViaProxy } from "../proxy/calls/sub-refresh.js";
import type { Connection } from "./connection.js";
import { unsubscribeChannel } from "./subscribe-flow.js";
import type { Subscription } from "./subscription.js";

/**
 * Server-side connection refresh: at expiry the refresh proxy decides whether
 * the connection lives on (a new expiry, maybe new info and meta) or ends with
 * 3005. The client is not involved: its connect reply said `expires: false`.
 */
export async function refreshByProxy(s: Connection, proxy: BackendProxy): Promise<void> {
  s.identity.refreshing = true;
  try {
    const decision = await refreshViaProxy(proxy, s);
    if (s.closed) return;
    if (decision.kind === "expired") {
      s.close(disconnects.expired);
      return;
    }
    s.identity.refresh(decision.expireAt, decision.kind === "extended" ? decision : {});
  } finally {
    s.identity.refreshing = false;
  }
}

/**
 * Server-side subscription refresh (`sub_refresh_proxy_enabled`): at expiry
 * the backend extends the subscription, lets it live forever (`{}`), or ends
 * it — 2501 for a client-side subscription (the SDK resubscribes), 3006 for a
 * server-side one.
 */
export async function subRefreshByProxy(s: Connection, sub: Subscription): Promise<void> {
  const info = s.ctx.node.rules.resolve(sub.channel);
  const proxy = info && s.ctx.proxies.channel("sub_refresh", info.options);
  if (!proxy) return;
  sub.refreshing = true;
  try {
    const decision = await subRefreshViaProxy(proxy, s, sub.channel);
    if (s.closed || s.subscriptions.get(sub.channel) !== sub) return;
    if (decision.kind === "expired") {
      if (sub.options.serverSide) s.close(disconnects.subExpired);
      else await unsubscribeChannel(s, sub.channel, unsubscribes.expired);
      return;
    }
    sub.expireAt = decision.expireAt;
    if (decision.kind === "extended" && decision.info) sub.chanInfo = decision.info;
  } finally {
    sub.refreshing = false;
  }
}
