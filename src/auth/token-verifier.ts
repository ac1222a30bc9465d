import type { Read } from "./claim-values.js";
import {
  type ConnectionClaims,
  connectionClaims,
  type SubscriptionClaims,
  subscriptionClaims,
} from "./claims.js";
import {
  createJwtVerifier,
  type JwtVerifier,
  type JwtVerifierOptions,
  type TokenFailure,
} from "./jwt-verifier.js";
import { checkTokenConfig, type TokenConfig, type TokenSettings } from "./token-config.js";

export type { ConnectionClaims, SubscriptionClaims } from "./claims.js";

/**
 * The outcome of verifying a token, as a value: the session maps `expired` to
 * error 109 (the client fetches a new token) and `invalid` to disconnect 3500;
 * `reason` is for the log, never for the client.
 */
export type VerifyResult<Claims> = { claims: Claims } | TokenFailure;

/** Verifies the tokens clients present, with the keys and checks the config sets. */
export interface TokenVerifier {
  /** A connection token (`connect`, `refresh`). */
  verifyConnectToken(token: string): Promise<VerifyResult<ConnectionClaims>>;
  /** A subscription token (`subscribe`, `sub_refresh`). */
  verifySubscriptionToken(token: string): Promise<VerifyResult<SubscriptionClaims>>;
  /** What the settings allow that deserves a warning at start (an unsafe JWKS template let through). */
  readonly warnings: readonly string[];
}

/**
 * Which settings sign subscription tokens: `client.subscription_token` when
 * enabled, otherwise those of connection tokens (Centrifugo's rule).
 */
export function subscriptionTokenConfig(settings: TokenSettings): { config: TokenConfig; where: string } {
  return settings.subscription_token.enabled
    ? { config: settings.subscription_token, where: "client.subscription_token" }
    : { config: settings.token, where: "client.token" };
}

function normalised<C>(
  verify: JwtVerifier,
  userIdClaim: string,
  read: (payload: Record<string, unknown>, userIdClaim: string) => Read<C>,
) {
  return async (token: string): Promise<VerifyResult<C>> => {
    const verified = await verify(token);
    if ("error" in verified) return verified;
    const claims = read(verified.payload, userIdClaim);
    return "reason" in claims ? { error: "invalid", reason: claims.reason } : { claims: claims.value };
  };
}

async function jwtVerifierOf(
  config: TokenConfig,
  where: string,
  options: JwtVerifierOptions,
): Promise<{ verify: JwtVerifier; warnings: string[] }> {
  const created = await createJwtVerifier(config, where, options);
  if ("error" in created) throw new Error(created.error);
  return created;
}

/**
 * Prepares token verification from `client.token` and
 * `client.subscription_token`: checks the settings and imports the PEM keys
 * once, up front. Rejects with every problem, each with its option path, when
 * the settings cannot work — a server must not start and then refuse every
 * token.
 */
export async function createTokenVerifier(
  settings: TokenSettings & { insecure_skip_token_signature_verify?: boolean },
): Promise<TokenVerifier> {
  const sub = subscriptionTokenConfig(settings);
  const separate = sub.config !== settings.token;
  const problems = checkTokenConfig("client.token", settings.token);
  if (separate) problems.push(...checkTokenConfig(sub.where, sub.config));
  if (problems.length > 0) throw new Error(problems.join("\n"));
  const options = { skipSignature: settings.insecure_skip_token_signature_verify === true };
  const connection = await jwtVerifierOf(settings.token, "client.token", options);
  const subscription = separate ? await jwtVerifierOf(sub.config, sub.where, options) : connection;
  return {
    verifyConnectToken: normalised(connection.verify, settings.token.user_id_claim, connectionClaims),
    verifySubscriptionToken: normalised(subscription.verify, sub.config.user_id_claim, subscriptionClaims),
    warnings: separate ? [...connection.warnings, ...subscription.warnings] : connection.warnings,
  };
}
