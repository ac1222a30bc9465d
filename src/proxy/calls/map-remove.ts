import { CentrifugoProxy } from "../../../gen/centrifugal/centrifugo/proxy/proxy_pb.js";
import { errors } from "../../errors/rotor-error.js";
import type { BackendProxy, ProxyClient } from "../backend-proxy.js";
import { refuseIfAsked } from "./answer.js";

/** What the backend let a client remove from a map. */
export interface MapRemoveGrant {
  /** The backend's key, or the client's when it named none (possibly empty: the caller refuses that). */
  readonly key: string;
  /** Tags of the removal; without them the removal carries the key's stored tags. */
  readonly tags: Readonly<Record<string, string>> | undefined;
  readonly idempotencyKey: string | undefined;
}

/**
 * Asks the map remove proxy about a client's map remove. `{}` removes the
 * client's key; a result may name another key, the removal's tags and an
 * idempotency key. `user` is left out for anonymous clients.
 */
export async function mapRemoveViaProxy(
  proxy: BackendProxy,
  client: ProxyClient,
  channel: string,
  key: string,
): Promise<MapRemoveGrant> {
  const outcome = await proxy.unary(
    CentrifugoProxy.method.mapRemove,
    { ...proxy.common(client), user: client.user, channel, key, ...proxy.meta(client) },
    client,
  );
  if ("failure" in outcome) throw errors.internal();
  refuseIfAsked(outcome.response);
  const r = outcome.response.result;
  return {
    key: r?.key || key,
    tags: r && Object.keys(r.tags).length > 0 ? r.tags : undefined,
    idempotencyKey: r?.idempotencyKey || undefined,
  };
}
