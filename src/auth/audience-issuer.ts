import type { TokenConfig } from "./token-config.js";

/** Values of the named groups the `issuer_regex`/`audience_regex` captured, for the JWKS endpoint template. */
export type TokenVars = Readonly<Record<string, string>>;

type Checked = { vars: TokenVars } | { reason: string };

/**
 * Compiles a regex written for Centrifugo. Its configs use Go's RE2 syntax,
 * which spells named groups `(?P<name>…)`; JavaScript knows only `(?<name>…)`.
 * Throws SyntaxError when the pattern is not valid.
 */
export function compileGoRegex(source: string): RegExp {
  return new RegExp(source.replaceAll("(?P<", "(?<"));
}

function audiences(aud: unknown): string[] | undefined {
  if (aud === undefined) return [];
  if (typeof aud === "string") return [aud];
  return Array.isArray(aud) && aud.every((a) => typeof a === "string") ? aud : undefined;
}

function groupsOf(match: RegExpExecArray): Record<string, string> {
  return Object.fromEntries(Object.entries(match.groups ?? {}).map(([name, value]) => [name, value ?? ""]));
}

/**
 * The `aud` and `iss` checks, done — as Centrifugo does — before the
 * signature: each applies only when configured, either as an exact value or as
 * a regex (unanchored, like Go's `FindStringSubmatch`). Issuer groups are
 * captured first, then those of the first matching audience.
 */
export function createAudienceIssuerCheck(
  config: TokenConfig,
): (payload: Record<string, unknown>) => Checked {
  const audienceRe = config.audience_regex ? compileGoRegex(config.audience_regex) : undefined;
  const issuerRe = config.issuer_regex ? compileGoRegex(config.issuer_regex) : undefined;
  return (payload) => {
    const aud = audiences(payload.aud);
    if (aud === undefined) return { reason: '"aud" must be a string or an array of strings' };
    if (payload.iss !== undefined && typeof payload.iss !== "string")
      return { reason: '"iss" must be a string' };
    const iss = payload.iss ?? "";
    if (config.audience && !aud.includes(config.audience)) return { reason: "invalid audience" };
    if (config.issuer && iss !== config.issuer) return { reason: "invalid issuer" };
    let vars: Record<string, string> = {};
    if (issuerRe) {
      const match = issuerRe.exec(iss);
      if (!match) return { reason: "issuer not matched" };
      vars = groupsOf(match);
    }
    if (audienceRe) {
      const match = aud.map((a) => audienceRe.exec(a)).find((m) => m !== null);
      if (!match) return { reason: "audience not matched" };
      vars = { ...vars, ...groupsOf(match) };
    }
    return { vars };
  };
}
