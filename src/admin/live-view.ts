import { createHmac, randomBytes } from "node:crypto";
import type { ConnectRouter } from "@connectrpc/connect";
import { SignJWT } from "jose";
import { createTokenVerifier } from "../auth/token-verifier.js";
import type { ClientContext } from "../client/client-context.js";
import { configSchema } from "../config/schema.js";
import { connectStreamRoutes } from "../transport/connect-stream/connect-stream-handler.js";

/** How long one live-view stream may run before the page must start another. */
const watchTtlSeconds = 24 * 3600;

/** What a watcher's subscription does: it receives joins and leaves, and is itself neither present nor announced. */
const watcherOverride = {
  presence: { value: false },
  join_leave: { value: false },
  force_push_join_leave: { value: true },
};

/**
 * The admin UI's live channel view: the client uni stream (Consume) served
 * under the admin path, whose connections authenticate with tokens this view
 * mints for one channel, signed with a key derived from `admin.secret` — so
 * it works whatever keys the application's clients use, and only for someone
 * the admin UI let in: an empty or client token is refused whatever the
 * application's clients may do (anonymous, insecure, a connect proxy). A watcher is an ordinary connection with one
 * server-side subscription: it counts in Info like any client.
 */
export async function createLiveView(ctx: ClientContext, adminSecret: string) {
  const key = createHmac("sha256", adminSecret || randomBytes(32))
    .update("rotor admin live view")
    .digest("base64url");
  const defaults = configSchema.parse({}).client;
  // Only tokens minted here connect: no anonymous or insecure access, no connect or refresh proxy.
  const client = {
    ...ctx.config.client,
    token: { ...defaults.token, hmac_secret_key: key },
    insecure: false,
    allow_anonymous_connect_without_token: false,
  };
  const liveCtx = {
    ...ctx,
    proxies: { ...ctx.proxies, connect: undefined, refresh: undefined },
    config: { ...ctx.config, client: { ...client, subscription_token: defaults.subscription_token } },
    tokens: await createTokenVerifier({
      token: client.token,
      subscription_token: defaults.subscription_token,
    }),
  };
  return {
    /** A connection token whose only subscription is `channel`. */
    token(channel: string): Promise<string> {
      const iat = Math.floor(Date.now() / 1000);
      return new SignJWT({ sub: "rotor-admin", subs: { [channel]: { override: watcherOverride } } })
        .setProtectedHeader({ alg: "HS256", typ: "JWT" })
        .setIssuedAt(iat)
        .setExpirationTime(iat + watchTtlSeconds)
        .sign(new TextEncoder().encode(key));
    },
    routes: connectStreamRoutes(liveCtx) as (router: ConnectRouter) => void,
  };
}

export type LiveView = Awaited<ReturnType<typeof createLiveView>>;
