import { createRemoteJWKSet, type JWTVerifyGetKey, type RemoteJWKSet } from "jose";
import type { TokenVars } from "./audience-issuer.js";
import { cleanEndpointPath } from "./jwks-template-check.js";

/** How long fetched keys are trusted before the next token triggers a refetch: an hour, as in Centrifugo. */
const cacheMaxAge = 3_600_000;
/** How long one fetch may take: a second, as in Centrifugo (which also retries once; jose does not). */
const timeoutDuration = 1_000;
/** After a fetch, a token whose `kid` is not in the set waits this long before it may trigger another (jose's default). */
const cooldownDuration = 30_000;
/**
 * Endpoints kept at once. A templated endpoint is filled from the claims of a
 * token not yet verified, so the number of distinct URLs is bounded here.
 */
const maxEndpoints = 64;

/** A `{{name}}` variable of the endpoint template; the config check reads the same syntax. */
export const templateVar = /\{\{(\w+)\}\}/g;

/** Key resolvers for a JWKS endpoint, possibly templated with `{{name}}` variables. */
export interface JwksKeys {
  /** The resolver of the endpoint these variables select, or why there is none. */
  resolverFor(vars: TokenVars): { getKey: JWTVerifyGetKey } | { reason: string };
}

/**
 * Keys from `jwks_public_endpoint`, through jose's remote JWK set, one per
 * endpoint URL. jose fetches the set on first use, keeps it `cacheMaxAge`,
 * picks the key by `kid` and by the token's `alg` (kty RSA, EC, or OKP
 * Ed25519), shares one request between concurrent verifications, and refetches
 * early for an unknown `kid` at most once per `cooldownDuration`. It does not
 * follow redirects and expects `200`; a failed or slow fetch makes the token
 * invalid (Centrifugo's rule too). Variables are URL-encoded into the template
 * so a claim cannot change the URL's shape, and a filled-in URL whose path has
 * an empty, `.` or `..` segment is refused; the least recently used endpoint
 * is dropped beyond `maxEndpoints`.
 */
export function createJwksKeys(template: string): JwksKeys {
  const sets = new Map<string, RemoteJWKSet>();
  return {
    resolverFor(vars) {
      let missing: string | undefined;
      const url = template.replace(templateVar, (_, name: string) => {
        if (!Object.hasOwn(vars, name)) missing = name;
        return encodeURIComponent(vars[name] ?? "");
      });
      if (missing !== undefined) return { reason: `no value for {{${missing}}} in the JWKS endpoint` };
      if (!cleanEndpointPath(url))
        return { reason: `JWKS endpoint "${url}" changes under path cleaning: refused` };
      let set = sets.get(url);
      if (set) {
        sets.delete(url);
      } else {
        if (!URL.canParse(url)) return { reason: `JWKS endpoint "${url}" is not a URL` };
        set = createRemoteJWKSet(new URL(url), { cacheMaxAge, timeoutDuration, cooldownDuration });
        if (sets.size >= maxEndpoints) sets.delete(sets.keys().next().value!);
      }
      sets.set(url, set);
      return { getKey: set };
    },
  };
}
