import { CentrifugoProxy, type PublishResult } from "../../../gen/centrifugal/centrifugo/proxy/proxy_pb.js";
import { errors } from "../../errors/rotor-error.js";
import type { BackendProxy, ProxyClient } from "../backend-proxy.js";
import { fromBase64, refuseIfAsked } from "./answer.js";

/** The write options a publish or map publish proxy result sets. */
export interface WriteGrant {
  readonly data: Uint8Array;
  readonly tags: Readonly<Record<string, string>> | undefined;
  readonly idempotencyKey: string | undefined;
  readonly delta: boolean;
  readonly version: number | undefined;
  readonly versionEpoch: string | undefined;
}

/** What the backend let a client publish, and how. */
export interface PublishGrant extends WriteGrant {
  readonly skipHistory: boolean;
}

/** The result fields PublishResult and MapPublishResult share. */
type WriteResult = Pick<
  PublishResult,
  "data" | "b64data" | "tags" | "idempotencyKey" | "delta" | "version" | "versionEpoch"
>;

/**
 * A publish or map publish result as write options: `{}` keeps the client's
 * data; here raw `data` wins over `b64data` (unlike every other kind).
 */
export function grantedWrite(r: WriteResult | undefined, data: Uint8Array): WriteGrant {
  const replaced = r && (r.data.length > 0 ? r.data : r.b64data !== "" ? fromBase64(r.b64data) : undefined);
  return {
    data: replaced ?? data,
    tags: r && Object.keys(r.tags).length > 0 ? r.tags : undefined,
    idempotencyKey: r?.idempotencyKey || undefined,
    delta: r?.delta ?? false,
    version: r && r.version > 0n ? Number(r.version) : undefined,
    versionEpoch: r?.versionEpoch || undefined,
  };
}

/**
 * Asks the publish proxy about a client publish. `{}` publishes the client's
 * data unchanged; a result may replace the data and set history, tags,
 * idempotency, delta and version options.
 */
export async function publishViaProxy(
  proxy: BackendProxy,
  client: ProxyClient,
  channel: string,
  data: Uint8Array,
): Promise<PublishGrant> {
  const outcome = await proxy.unary(
    CentrifugoProxy.method.publish,
    { ...proxy.common(client), user: client.user, channel, ...proxy.payload(data), ...proxy.meta(client) },
    client,
  );
  if ("failure" in outcome) throw errors.internal();
  refuseIfAsked(outcome.response);
  const r = outcome.response.result;
  return { ...grantedWrite(r, data), skipHistory: r?.skipHistory ?? false };
}
