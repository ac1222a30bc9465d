import { parseDuration } from "../config/duration.js";
import { envName } from "../config/env.js";
import type { Config } from "../config/schema.js";
import { connectionClaims, subscriptionClaims } from "./claims.js";
import { createJwtVerifier } from "./jwt-verifier.js";
import { mintConnectionToken, mintSubscriptionToken } from "./mint.js";
import { subscriptionTokenConfig } from "./token-verifier.js";

/** Where a command writes: results to `out`, problems to `err`. */
export interface CommandOutput {
  out(text: string): void;
  err(text: string): void;
}

/** What `gentoken` and `gensubtoken` were asked for, as given on the command line. */
export interface MintRequest {
  readonly user?: string | undefined;
  readonly ttl?: string | undefined;
  readonly channel?: string | undefined;
}

const defaultTtl = "1h";

/** A bare number is seconds (Centrifugo's `-t 3600`), anything else a Go duration ("1h", "30m"). */
function ttlOf(text: string): number | undefined {
  return /^\d+$/.test(text) ? Number(text) * 1000 : parseDuration(text);
}

/**
 * `rotor gentoken [--user U] [--ttl 1h]` and
 * `rotor gensubtoken [--user U] --channel C [--ttl 1h]`: print an HS256 token
 * signed with the configured HMAC secret (the subscription token's own when
 * `client.subscription_token.enabled`). `--ttl` is a Go duration or seconds;
 * `0` mints a token that never expires. Returns the exit code: 2 for a usage
 * or configuration problem, explained on `err`.
 */
export async function mintTokenCommand(
  command: "gentoken" | "gensubtoken",
  config: Config,
  request: MintRequest,
  io: CommandOutput,
): Promise<number> {
  const fail = (message: string) => {
    io.err(`rotor ${command}: ${message}\n`);
    return 2;
  };
  const ttlText = request.ttl ?? defaultTtl;
  const ttl = ttlOf(ttlText);
  if (ttl === undefined) return fail(`--ttl: "${ttlText}" is not a duration (examples: "1h", "30m", "0")`);
  const channel = request.channel ?? "";
  if (command === "gensubtoken" && channel === "") return fail("--channel is required");
  const { config: tokenConfig, where } =
    command === "gentoken"
      ? { config: config.client.token, where: "client.token" }
      : subscriptionTokenConfig(config.client);
  const secret = tokenConfig.hmac_secret_key;
  if (!secret) {
    const option = `${where}.hmac_secret_key`;
    return fail(`no HMAC secret key configured: set ${option} (or ${envName(option)})`);
  }
  const user = request.user ?? "";
  const token =
    command === "gentoken"
      ? await mintConnectionToken({ secret, user, ttl })
      : await mintSubscriptionToken({ secret, user, ttl, channel });
  io.out(`${token}\n`);
  return 0;
}

/**
 * `rotor checktoken <TOKEN>` and `rotor checksubtoken <TOKEN>`: verify a token
 * as a connecting client's would be, with every key and check the config sets
 * (HMAC, RSA, ECDSA, JWKS, audience, issuer), and print its user and payload.
 * Exit 1 for an expired or invalid token, saying why; 2 for a usage problem.
 */
export async function checkTokenCommand(
  command: "checktoken" | "checksubtoken",
  config: Config,
  token: string | undefined,
  io: CommandOutput,
): Promise<number> {
  if (!token) {
    io.err(`rotor ${command}: give the token to check: rotor ${command} <TOKEN>\n`);
    return 2;
  }
  const { config: tokenConfig, where } =
    command === "checktoken"
      ? { config: config.client.token, where: "client.token" }
      : subscriptionTokenConfig(config.client);
  const created = await createJwtVerifier(tokenConfig, where, {
    skipSignature: config.client.insecure_skip_token_signature_verify,
  });
  if ("error" in created) {
    io.err(`rotor ${command}: ${created.error}\n`);
    return 2;
  }
  for (const warning of created.warnings) io.err(`warning: ${warning}\n`);
  const verified = await created.verify(token);
  if ("error" in verified) {
    io.err(
      `error: ${verified.error === "expired" ? "token expired" : `invalid token: ${verified.reason}`}\n`,
    );
    return 1;
  }
  const read = (command === "checktoken" ? connectionClaims : subscriptionClaims)(
    verified.payload,
    tokenConfig.user_id_claim,
  );
  if ("reason" in read) {
    io.err(`error: invalid token: ${read.reason}\n`);
    return 1;
  }
  const channel = "channel" in read.value ? ` and channel "${read.value.channel}"` : "";
  io.out(
    `valid token for user "${read.value.user}"${channel}\npayload: ${JSON.stringify(verified.payload)}\n`,
  );
  return 0;
}
