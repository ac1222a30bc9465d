import type { CryptoKey, JWTVerifyGetKey, ProtectedHeaderParameters } from "jose";
import { algorithmFamily } from "./algorithms.js";
import type { TokenVars } from "./audience-issuer.js";
import { createJwksKeys } from "./jwks.js";
import { importPemKeys } from "./pem-keys.js";
import type { TokenConfig } from "./token-config.js";

/** A key jose can verify with: an imported public key, an HMAC secret, or a JWKS resolver. */
export type VerificationKey = CryptoKey | Uint8Array | JWTVerifyGetKey;

/** The keys to try, in order, for one token; or why the token cannot be verified at all. */
export type KeyChoice = { keys: readonly VerificationKey[] } | { reason: string };

/** Picks the keys for a token from its protected header. */
export type KeySelector = (header: ProtectedHeaderParameters, vars: TokenVars) => KeyChoice;

const utf8 = new TextEncoder();

/**
 * Prepares every key a token section configures and returns the function that
 * picks among them by the token's `alg` family (see `algorithms.ts`):
 *  - `HS*`: `hmac_secret_key`, then `hmac_previous_secret_key` until
 *    `hmac_previous_secret_key_valid_until` (unix seconds, 0 = no limit) —
 *    the current key first, so rotation costs nothing for fresh tokens;
 *  - `RS*`/`PS*`, `ES*`: the JWKS endpoint when configured and the token names a
 *    `kid` (Centrifugo sends every token to the JWKS then), otherwise the PEM key
 *    of the family, otherwise the JWKS endpoint;
 *  - `EdDSA`: the JWKS endpoint only.
 * `none`, unknown algorithms and families without a configured key select nothing.
 */
export async function createKeySelector(
  config: TokenConfig,
  where: string,
): Promise<{ select: KeySelector } | { error: string }> {
  const pems = new Map<string, ReadonlyMap<string, CryptoKey>>();
  for (const [family, pem, key] of [
    ["rsa", config.rsa_public_key, "rsa_public_key"],
    ["ecdsa", config.ecdsa_public_key, "ecdsa_public_key"],
  ] as const) {
    if (!pem) continue;
    const imported = await importPemKeys(pem, family, `${where}.${key}`);
    if ("error" in imported) return imported;
    pems.set(family, imported.keys);
  }
  const current = config.hmac_secret_key ? utf8.encode(config.hmac_secret_key) : undefined;
  const previous = config.hmac_previous_secret_key ? utf8.encode(config.hmac_previous_secret_key) : undefined;
  const previousUntil = config.hmac_previous_secret_key_valid_until;
  const jwks = config.jwks_public_endpoint ? createJwksKeys(config.jwks_public_endpoint) : undefined;

  const select: KeySelector = (header, vars) => {
    const family = algorithmFamily(header.alg);
    if (!family) return { reason: `unsupported algorithm ${JSON.stringify(header.alg)}` };
    if (family === "hmac") {
      const previousValid = previous && (previousUntil === 0 || Date.now() / 1000 < previousUntil);
      const keys = [current, previousValid ? previous : undefined].filter((k) => k !== undefined);
      return keys.length > 0 ? { keys } : { reason: `no HMAC key configured for ${header.alg}` };
    }
    const pem = pems.get(family);
    if (jwks && (header.kid !== undefined || !pem)) {
      const resolver = jwks.resolverFor(vars);
      return "reason" in resolver ? resolver : { keys: [resolver.getKey] };
    }
    const key = pem?.get(header.alg!);
    if (key) return { keys: [key] };
    return {
      reason: pem
        ? `the configured ${family} key cannot verify ${header.alg}`
        : `no key configured for ${header.alg}`,
    };
  };
  return { select };
}
