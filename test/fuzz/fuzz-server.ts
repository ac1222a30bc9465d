import { SignJWT } from "jose";
import { startTestServer, type TestServer } from "../helpers/server.js";
import type { ValuePools } from "./message-arbitrary.js";
import { type OversizedProxy, proxiedNamespace } from "./oversized-proxy.js";

const secret = "fuzz-secret";
/** The namespace of the honest subscriber; fuzzed input never names it. */
export const honestNamespace = "honest";

/**
 * A server with most of what a client can reach switched on (presence,
 * history, recovery, join/leave, fossil deltas, client publish), so fuzzed
 * commands get past the permission checks and into the code behind them;
 * connects without a token and subscribes to the proxied namespace go to
 * `proxy`, a backend that sometimes answers over the size limit.
 */
export function startFuzzServer(proxy: OversizedProxy): Promise<TestServer> {
  const open = {
    presence: true,
    join_leave: true,
    history_size: 20,
    history_ttl: "60s",
    allow_recovery: true,
    allow_positioning: true,
    allowed_delta_types: ["fossil"],
    allow_subscribe_for_client: true,
    allow_subscribe_for_anonymous: true,
    allow_publish_for_subscriber: true,
    allow_publish_for_client: true,
    allow_presence_for_subscriber: true,
    allow_history_for_subscriber: true,
  };
  return startTestServer(
    {
      client: {
        token: { hmac_secret_key: secret },
        allow_anonymous_connect_without_token: true,
        channel_limit: 32,
        user_connection_limit: 0,
        proxy: { connect: proxy.config.connect },
      },
      channel: {
        proxy: { subscribe: proxy.config.subscribe },
        without_namespace: open,
        namespaces: [
          { name: "ns", ...open, force_recovery: true, publication_data_format: "json_object" },
          { name: "bin", ...open, publication_data_format: "binary" },
          { name: proxiedNamespace, ...open, subscribe_proxy_enabled: true },
          {
            name: honestNamespace,
            history_size: 1000,
            history_ttl: "600s",
            force_recovery: true,
            allow_subscribe_for_client: true,
          },
        ],
      },
    },
    { logger: proxy.logger },
  );
}

function token(claims: Record<string, unknown>, key = secret): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(key));
}

/**
 * A connection token for a user of its own: the server API addresses users
 * (an empty user means every anonymous connection), and fuzzed API calls must
 * not reach the honest subscriber by name.
 */
export function tokenFor(user: string): Promise<string> {
  return token({ sub: user });
}

/** Values fuzzed messages draw from: real channels of every namespace, tokens that pass and tokens that fail. */
export async function fuzzPools(): Promise<ValuePools> {
  const now = Math.floor(Date.now() / 1000);
  const channels = [
    "news",
    "chat",
    "ns:room",
    "bin:blob",
    `${proxiedNamespace}:room`,
    "$private",
    "news#user-1",
    "unknown:x",
    "a".repeat(300),
  ];
  const tokens = [
    await token({ sub: "user-1" }),
    await token({ sub: "" }),
    await token({ sub: "user-1", exp: now - 60 }),
    await token({ sub: "user-1", channels: ["news", "ns:room"] }),
    await token({ sub: "user-1", channel: "news" }),
    await token({ sub: "user-1", channel: "$private" }),
    await token({ sub: "user-1" }, "wrong-secret"),
    "not-a-token",
  ];
  const payloads = ["{}", '{"a":1}', '"text"', "123", "null", "[1,2]", "{", "", "\u00ff\u00fe"];
  return { channels, tokens, payloads };
}
