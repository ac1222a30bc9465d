import { CentrifugoProxy } from "../../../gen/centrifugal/centrifugo/proxy/proxy_pb.js";
import type { BackendProxy, ProxyClient } from "../backend-proxy.js";

/** One key of a refresh answer: new data at a version, or its removal. */
export interface RefreshedItem {
  readonly key: string;
  readonly data: Uint8Array;
  readonly version: number;
  readonly removed: boolean;
}

/** The backend's answer for a chunk of keys: the items that changed (or all), and its epoch. */
export interface RefreshAnswer {
  readonly items: readonly RefreshedItem[];
  readonly epoch: string;
}

/**
 * Asks the shared poll refresh proxy for the current state of some keys of a
 * channel; `version` is the one the node holds (0 when none). Undefined when
 * the call failed or the backend answered with an error: the caller skips
 * those keys until its next cycle.
 */
export async function sharedPollRefreshViaProxy(
  proxy: BackendProxy,
  caller: ProxyClient,
  channel: string,
  keys: readonly { readonly key: string; readonly version: number }[],
): Promise<RefreshAnswer | undefined> {
  const outcome = await proxy.unary(
    CentrifugoProxy.method.sharedPollRefresh,
    { channel, items: keys.map((k) => ({ key: k.key, version: BigInt(k.version) })) },
    caller,
  );
  if ("failure" in outcome || outcome.response.error) return undefined;
  const result = outcome.response.result;
  return {
    epoch: result?.epoch ?? "",
    items: (result?.items ?? []).map((item) => ({
      key: item.key,
      data: item.data,
      version: Number(item.version),
      removed: item.removed,
    })),
  };
}
