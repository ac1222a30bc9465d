import { disconnects, unsubscribes } from "../errors/disconnect.js";
import { background } from "../lifecycle/background.js";
import type { Connection } from "./connection.js";
import { refreshByProxy, subRefreshByProxy } from "./server-refresh.js";
import { unsubscribeChannel } from "./subscribe-command.js";

/**
 * A connection whose token expired, checked on every tick: refreshed through
 * the refresh proxy when there is one, else closed with 3005 once
 * `client.expired_close_delay` has passed. True when the connection closed.
 */
export function expireConnection(s: Connection, now: number): boolean {
  const { expireAt, refreshing } = s.identity;
  if (expireAt <= 0) return false;
  const refresh = s.ctx.proxies.refresh;
  if (refresh) {
    if (now >= expireAt * 1000 && !refreshing) background(s.ctx.log, "refresh", refreshByProxy(s, refresh));
    return false;
  }
  if (now <= expireAt * 1000 + s.ctx.config.client.expired_close_delay) return false;
  s.close(disconnects.expired);
  return true;
}

/**
 * A connection's subscriptions whose token expired, checked on every tick:
 * one the backend refreshes is refreshed through the sub_refresh proxy; any
 * other is ended `client.expired_sub_close_delay` after its expiry — a
 * client-side one unsubscribed with 2501, a server-side one by closing the
 * connection, since the client cannot resubscribe to it alone.
 */
export function expireSubscriptions(s: Connection, now: number): void {
  const closeDelayMs = s.ctx.config.client.expired_sub_close_delay;
  for (const sub of s.subscriptions.values()) {
    if (sub.expireAt <= 0) continue;
    if (sub.options.refreshedByServer) {
      if (now >= sub.expireAt * 1000 && !sub.refreshing)
        background(s.ctx.log, "sub refresh", subRefreshByProxy(s, sub));
    } else if (now > sub.expireAt * 1000 + closeDelayMs) {
      if (sub.options.serverSide) s.close(disconnects.subExpired);
      else background(s.ctx.log, "unsubscribe", unsubscribeChannel(s, sub.channel, unsubscribes.expired));
    }
  }
}
