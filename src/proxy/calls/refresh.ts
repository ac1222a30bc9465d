import { CentrifugoProxy } from "../../../gen/centrifugal/centrifugo/proxy/proxy_pb.js";
import type { BackendProxy, ProxyClient } from "../backend-proxy.js";
import { payloadOf } from "./answer.js";
import { type RefreshDecision, retryLater } from "./refresh-decision.js";

/**
 * Server-side connection refresh at expiry. The backend's `error` and
 * `disconnect` are not read (Centrifugo's asymmetry): only `result` counts,
 * and a missing result, `expired`, or an `expire_at` not in the future all
 * mean expired (3005). A bad `b64info` is a failing backend: retried later.
 */
export async function refreshViaProxy(proxy: BackendProxy, client: ProxyClient): Promise<RefreshDecision> {
  const outcome = await proxy.unary(
    CentrifugoProxy.method.refresh,
    { ...proxy.common(client), user: client.user, ...proxy.meta(client) },
    client,
  );
  if ("failure" in outcome) return retryLater();
  const r = outcome.response.result;
  const expireAt = Number(r?.expireAt ?? 0);
  if (!r || r.expired || expireAt <= Date.now() / 1000) return { kind: "expired" };
  try {
    return {
      kind: "extended",
      expireAt,
      info: payloadOf(r.info, r.b64info),
      meta: r.meta.length > 0 ? r.meta : undefined,
    };
  } catch {
    return retryLater();
  }
}
