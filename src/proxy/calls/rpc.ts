import { CentrifugoProxy } from "../../../gen/centrifugal/centrifugo/proxy/proxy_pb.js";
import { errors } from "../../errors/rotor-error.js";
import type { BackendProxy, ProxyClient } from "../backend-proxy.js";
import { payloadOf, refuseIfAsked } from "./answer.js";

/** Calls the backend for a client `rpc`; resolves with the reply data (empty when the backend sends none). */
export async function rpcViaProxy(
  proxy: BackendProxy,
  client: ProxyClient,
  method: string,
  data: Uint8Array,
): Promise<Uint8Array | undefined> {
  const outcome = await proxy.unary(
    CentrifugoProxy.method.rPC,
    { ...proxy.common(client), user: client.user, method, ...proxy.payload(data), ...proxy.meta(client) },
    client,
  );
  if ("failure" in outcome) throw errors.internal();
  refuseIfAsked(outcome.response);
  const r = outcome.response.result;
  return r ? payloadOf(r.data, r.b64data) : undefined;
}
