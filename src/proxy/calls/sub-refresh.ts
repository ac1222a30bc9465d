import { CentrifugoProxy } from "../../../gen/centrifugal/centrifugo/proxy/proxy_pb.js";
import type { BackendProxy, ProxyClient } from "../backend-proxy.js";
import { payloadOf } from "./answer.js";
import { type RefreshDecision, retryLater } from "./refresh-decision.js";

/**
 * Server-side subscription refresh at expiry. As with connections, `error`
 * and `disconnect` are not read and a missing result or `expired` ends the
 * subscription (2501); unlike connections, a result without `expire_at`
 * (`{}`) means the subscription never expires again (`expireAt` 0).
 */
export async function subRefreshViaProxy(
  proxy: BackendProxy,
  client: ProxyClient,
  channel: string,
): Promise<RefreshDecision> {
  const outcome = await proxy.unary(
    CentrifugoProxy.method.subRefresh,
    { ...proxy.common(client), user: client.user, channel, ...proxy.meta(client) },
    client,
  );
  if ("failure" in outcome) return retryLater();
  const r = outcome.response.result;
  const expireAt = Number(r?.expireAt ?? 0);
  if (!r || r.expired || (expireAt > 0 && expireAt <= Date.now() / 1000)) return { kind: "expired" };
  try {
    return { kind: "extended", expireAt, info: payloadOf(r.info, r.b64info) };
  } catch {
    return retryLater();
  }
}
