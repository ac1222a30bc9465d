import { createHmac, randomBytes } from "node:crypto";
import type { ConnectRouter } from "@connectrpc/connect";
import { SignJWT } from "jose";
import { createTokenVerifier } from "../auth/token-verifier.js";
import type { ClientContext } from "../client/client-context.js";
import { ClientSession } from "../client/session.js";
import { configSchema } from "../config/schema.js";
import { ErrorCode } from "../errors/rotor-error.js";
import { connectStreamRoutes } from "../transport/connect-stream/connect-stream-handler.js";

/** The user of every watcher connection. */
const watcherUser = "rotor-admin";

/** How long one live-view stream may run before the page must start another. */
const watchTtlSeconds = 24 * 3600;

/** What a watcher's subscription does: it receives joins and leaves, and is itself neither present nor announced. */
const watcherOverride = {
  presence: { value: false },
  join_leave: { value: false },
  force_push_join_leave: { value: true },
};

/** How much of a node's Info counts are live-view watchers. */
export interface WatcherCounts {
  readonly node: string;
  readonly clients: number;
  readonly users: number;
  readonly subs: number;
  readonly channels: number;
}

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
  const defaults = configSchema().parse({}).client;
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
    /**
     * Why `channel` cannot be watched, or undefined: a channel in no
     * configured namespace would fail the watcher's connect with 102, which a
     * unidirectional stream can only report as a generic disconnect.
     */
    refusal(channel: string): string | undefined {
      if (ctx.node.rules.resolve(channel)) return undefined;
      return `${ErrorCode.UnknownChannel}: unknown channel "${channel}": its namespace is not configured`;
    },
    /** The watchers connected to this node, as they add to its Info counts. */
    watchers(): WatcherCounts {
      const hub = ctx.node.hub;
      const sameUser = [...hub.targets({ user: watcherUser })];
      // A watcher is a session whose token this view verified: an application client named like it is not.
      const own = sameUser.filter((c) => c instanceof ClientSession && c.ctx.tokens === liveCtx.tokens);
      const perChannel = new Map<string, number>();
      for (const session of own as ClientSession[]) {
        for (const sub of session.subscriptions.values()) {
          perChannel.set(sub.channel, (perChannel.get(sub.channel) ?? 0) + 1);
        }
      }
      const channels = [...perChannel].filter(([channel, n]) => hub.numSubscribers(channel) === n);
      return {
        node: ctx.node.id,
        clients: own.length,
        users: own.length > 0 && own.length === sameUser.length ? 1 : 0,
        subs: [...perChannel.values()].reduce((sum, n) => sum + n, 0),
        channels: channels.length,
      };
    },
    /** A connection token whose only subscription is `channel`. */
    token(channel: string): Promise<string> {
      const iat = Math.floor(Date.now() / 1000);
      return new SignJWT({ sub: watcherUser, subs: { [channel]: { override: watcherOverride } } })
        .setProtectedHeader({ alg: "HS256", typ: "JWT" })
        .setIssuedAt(iat)
        .setExpirationTime(iat + watchTtlSeconds)
        .sign(new TextEncoder().encode(key));
    },
    routes: connectStreamRoutes(liveCtx) as (router: ConnectRouter) => void,
  };
}

export type LiveView = Awaited<ReturnType<typeof createLiveView>>;
