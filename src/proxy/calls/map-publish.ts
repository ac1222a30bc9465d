import { CentrifugoProxy } from "../../../gen/centrifugal/centrifugo/proxy/proxy_pb.js";
import { errors } from "../../errors/rotor-error.js";
import type { KeyMode } from "../../map-broker/types.js";
import type { BackendProxy, ProxyClient } from "../backend-proxy.js";
import { refuseIfAsked } from "./answer.js";
import { grantedWrite, type WriteGrant } from "./publish.js";

/** What the backend let a client write into a map key, and how. */
export interface MapPublishGrant extends WriteGrant {
  /** The backend's key, or the client's when it named none (possibly empty: the caller refuses that). */
  readonly key: string;
  readonly keyMode: KeyMode;
}

/** Key modes other than Centrifugo's two conditional ones write unconditionally, as there. */
const keyModeOf = (mode: string): KeyMode => (mode === "if_new" || mode === "if_exists" ? mode : "");

/**
 * Asks the map publish proxy about a client's map publish. `{}` writes the
 * client's key and data unchanged; a result may replace the key and the data
 * (as for publish) and set tags, a key mode, idempotency, delta and version.
 * `user` is left out for anonymous clients.
 */
export async function mapPublishViaProxy(
  proxy: BackendProxy,
  client: ProxyClient,
  channel: string,
  key: string,
  data: Uint8Array,
): Promise<MapPublishGrant> {
  const outcome = await proxy.unary(
    CentrifugoProxy.method.mapPublish,
    {
      ...proxy.common(client),
      user: client.user,
      channel,
      key,
      ...proxy.payload(data),
      ...proxy.meta(client),
    },
    client,
  );
  if ("failure" in outcome) throw errors.internal();
  refuseIfAsked(outcome.response);
  const r = outcome.response.result;
  return { ...grantedWrite(r, data), key: r?.key || key, keyMode: keyModeOf(r?.keyMode ?? "") };
}
