import { parseDuration } from "../config/duration.js";
import { envName } from "../config/env.js";
import type { Config } from "../config/schema.js";
import { mintConnectionToken, mintSubscriptionToken } from "./mint.js";
import { subscriptionTokenConfig } from "./token-verifier.js";

/** The `rotor` commands that print a token. */
export type TokenCommand = "gentoken" | "gensubtoken";

/** Where a command writes: the token to `out`, problems to `err`. */
export interface CommandOutput {
  out(text: string): void;
  err(text: string): void;
}

/** The subcommand flags `parseArgs` must accept for these commands. */
export const tokenCommandFlags: ReadonlySet<string> = new Set(["user", "ttl", "channel"]);

const allowed: Record<TokenCommand, readonly string[]> = {
  gentoken: ["user", "ttl"],
  gensubtoken: ["user", "ttl", "channel"],
};
const defaultTtl = "1h";

/**
 * `rotor gentoken [--user U] [--ttl 1h]` and
 * `rotor gensubtoken [--user U] --channel C [--ttl 1h]`: print an HS256 token
 * signed with the configured HMAC secret (the subscription token's own when
 * `client.subscription_token.enabled`). `--ttl` is a Go duration; `0` mints a
 * token that never expires. Returns the exit code: 2 for a usage or
 * configuration problem, explained on `err`.
 */
export async function runTokenCommand(
  command: TokenCommand,
  config: Config,
  flags: ReadonlyMap<string, string>,
  io: CommandOutput,
): Promise<number> {
  const fail = (message: string) => {
    io.err(`rotor ${command}: ${message}\n`);
    return 2;
  };
  const stray = [...flags.keys()].find((name) => !allowed[command].includes(name));
  if (stray !== undefined) return fail(`--${stray} is not a flag of this command`);
  const ttlText = flags.get("ttl") ?? defaultTtl;
  const ttl = parseDuration(ttlText);
  if (ttl === undefined) return fail(`--ttl: "${ttlText}" is not a duration (examples: "1h", "30m", "0")`);
  const channel = flags.get("channel") ?? "";
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
  const user = flags.get("user") ?? "";
  const token =
    command === "gentoken"
      ? await mintConnectionToken({ secret, user, ttl })
      : await mintSubscriptionToken({ secret, user, ttl, channel });
  io.out(`${token}\n`);
  return 0;
}
