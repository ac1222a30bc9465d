import type { Config } from "../config/schema.js";
import { compileGoRegex } from "./audience-issuer.js";
import { templateVar } from "./jwks.js";

/** The settings of one kind of token: `client.token`, or `client.subscription_token` when enabled. */
export type TokenConfig = Config["client"]["token"];

/** What the token verifier reads from the config: both token sections. */
export type TokenSettings = Pick<Config["client"], "token" | "subscription_token">;

/** Centrifugo reads `user_id_claim` as a top-level claim name of this shape. */
const userIdClaimPattern = /^[a-zA-Z_]+$/;
const namedGroup = /\(\?P?<([A-Za-z_]\w*)>/g;

function regexProblem(where: string, source: string): string | undefined {
  if (!source) return undefined;
  try {
    compileGoRegex(source);
    return undefined;
  } catch (err) {
    return `${where}: ${(err as Error).message}`;
  }
}

function jwksProblems(where: string, config: TokenConfig): string[] {
  const template = config.jwks_public_endpoint;
  if (!template) return [];
  const out: string[] = [];
  const groups = new Set(
    [config.issuer_regex, config.audience_regex].flatMap((re) =>
      [...re.matchAll(namedGroup)].map((m) => m[1]!),
    ),
  );
  for (const [, name] of template.matchAll(templateVar)) {
    if (!groups.has(name!)) {
      out.push(
        `${where}.jwks_public_endpoint: {{${name}}} is not a named group of issuer_regex or audience_regex`,
      );
    }
  }
  const example = template.replace(templateVar, "x");
  if (!URL.canParse(example) || !["http:", "https:"].includes(new URL(example).protocol)) {
    out.push(`${where}.jwks_public_endpoint: "${template}" is not an http(s) URL`);
  }
  return out;
}

/**
 * Checks one token section for settings that cannot work together, as
 * Centrifugo does at start-up; returns one message per problem, with the
 * option's path (`where` is e.g. "client.token"). Keys themselves are checked
 * when they are imported, by `createTokenVerifier`.
 */
export function checkTokenConfig(where: string, config: TokenConfig): string[] {
  const out: string[] = [];
  if (config.audience && config.audience_regex) {
    out.push(`${where}: set audience or audience_regex, not both`);
  }
  if (config.issuer && config.issuer_regex) {
    out.push(`${where}: set issuer or issuer_regex, not both`);
  }
  for (const key of ["audience_regex", "issuer_regex"] as const) {
    const problem = regexProblem(`${where}.${key}`, config[key]);
    if (problem) out.push(problem);
  }
  if (config.user_id_claim && !userIdClaimPattern.test(config.user_id_claim)) {
    out.push(`${where}.user_id_claim: "${config.user_id_claim}" must match ${userIdClaimPattern.source}`);
  }
  return [...out, ...jwksProblems(where, config)];
}
