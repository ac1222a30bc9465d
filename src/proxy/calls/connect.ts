import { CentrifugoProxy } from "../../../gen/centrifugal/centrifugo/proxy/proxy_pb.js";
import type { ConnectionClaims, TokenSubscription } from "../../auth/claims.js";
import { errors } from "../../errors/rotor-error.js";
import type { BackendProxy, ProxyClient } from "../backend-proxy.js";
import { overrideOf, payloadOf, refuseIfAsked } from "./answer.js";

/** What the backend granted a connection: the token's claims, plus `data` for the connect reply. */
export interface ProxyCredentials extends ConnectionClaims {
  readonly data: Uint8Array | undefined;
}

/** What the connect command tells the backend. */
export interface ConnectAsk {
  readonly data: Uint8Array;
  readonly name: string;
  readonly version: string;
  /** Server-side channels the client wants recovered (keys of its connect `subs`). */
  readonly channels: readonly string[];
}

const maxLifetime = 365 * 24 * 3600;

/**
 * Asks the connect proxy who a client without a token is. Undefined when the
 * backend answers without a `result` (the caller then falls back to anonymous
 * access or 3501, as Centrifugo does); a `disconnect` or `error` refuses the
 * connect; an unreachable or failing backend is error 100.
 */
export async function connectViaProxy(
  proxy: BackendProxy,
  client: ProxyClient,
  ask: ConnectAsk,
): Promise<ProxyCredentials | undefined> {
  const outcome = await proxy.unary(
    CentrifugoProxy.method.connect,
    {
      ...proxy.common(client),
      ...(ask.data.length > 0 ? proxy.payload(ask.data) : {}),
      name: ask.name,
      version: ask.version,
      channels: [...ask.channels],
    },
    client,
  );
  if ("failure" in outcome) throw errors.internal();
  refuseIfAsked(outcome.response);
  const r = outcome.response.result;
  if (!r) return undefined;
  const subs: Record<string, TokenSubscription> = {};
  for (const [channel, o] of Object.entries(r.subs)) {
    subs[channel] = {
      info: payloadOf(o.info, o.b64info),
      data: payloadOf(o.data, o.b64data),
      override: overrideOf(o.override),
    };
  }
  const expireAt = Number(r.expireAt);
  return {
    user: r.user,
    expireAt: expireAt > 0 ? Math.min(expireAt, Math.floor(Date.now() / 1000) + maxLifetime) : 0,
    exp: undefined,
    info: payloadOf(r.info, r.b64info),
    data: payloadOf(r.data, r.b64data),
    channels: r.channels,
    subs,
    meta: r.meta.length > 0 ? r.meta : undefined,
  };
}
