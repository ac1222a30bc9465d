import {
  decodeJwt,
  decodeProtectedHeader,
  errors,
  type JWTPayload,
  jwtVerify,
  type ProtectedHeaderParameters,
} from "jose";
import { createAudienceIssuerCheck } from "./audience-issuer.js";
import { verifyHmac } from "./hmac-verify.js";
import { jwksTemplateProblem } from "./jwks-template-check.js";
import { createKeySelector } from "./key-selection.js";
import type { TokenConfig } from "./token-config.js";

/** Why a token was refused: `expired` lets the client fetch a fresh token; `invalid` ends the connection. */
export type TokenFailure = { error: "expired" } | { error: "invalid"; reason: string };

/** A token whose signature and times hold: its claims, not yet normalised. */
export type JwtResult = { payload: JWTPayload } | TokenFailure;

/** Checks a token's signature, `exp` and `nbf`, and the configured `aud`/`iss`. */
export type JwtVerifier = (token: string) => Promise<JwtResult>;

const invalid = (reason: string): TokenFailure => ({ error: "invalid", reason });

/**
 * jose reports a token past `exp` as JWTExpired. One before its `nbf` is
 * "expired" too, as in Centrifugo: the client fetches a fresh token instead of
 * being disconnected for good. Everything else — bad signature, malformed
 * claims, a JWKS endpoint that cannot be read — makes the token invalid.
 */
function failure(err: unknown): TokenFailure {
  if (err instanceof errors.JWTExpired) return { error: "expired" };
  if (
    err instanceof errors.JWTClaimValidationFailed &&
    err.claim === "nbf" &&
    err.reason === "check_failed"
  ) {
    return { error: "expired" };
  }
  return invalid(err instanceof Error ? err.message : String(err));
}

/**
 * Builds the verifier of one token section (`where` names it in errors: e.g.
 * "client.token"). Order, as in Centrifugo: decode, check `aud`/`iss` (their
 * regex groups may choose the JWKS endpoint), pick the keys by `alg`, then
 * verify the signature with that algorithm only (HMAC secrets with
 * node:crypto, see hmac-verify; every other key with jose) and check `exp`/`nbf` —
 * so "expired" is only ever said of a correctly signed token. No clock
 * tolerance, as in Centrifugo: a token is expired from its `exp` second on,
 * which keeps the connection's `expireAt` and the token's validity in step.
 */
export async function createJwtVerifier(
  config: TokenConfig,
  where: string,
  options: JwtVerifierOptions = {},
): Promise<{ verify: JwtVerifier; warnings: string[] } | { error: string }> {
  const warnings: string[] = [];
  const unsafe = jwksTemplateProblem(config);
  if (unsafe && !config.insecure_skip_jwks_endpoint_safety_check) {
    return {
      error: `error creating token verifier: error validating token verifier config: ${where}: ${unsafe}`,
    };
  }
  if (unsafe) warnings.push(`${where}: ${unsafe} (insecure_skip_jwks_endpoint_safety_check is set)`);
  const keys = await createKeySelector(config, where);
  if ("error" in keys) return keys;
  const checkAudienceIssuer = createAudienceIssuerCheck(config);
  const verify: JwtVerifier = async (token) => {
    let header: ProtectedHeaderParameters;
    let claims: JWTPayload;
    try {
      header = decodeProtectedHeader(token);
      claims = decodeJwt(token);
    } catch (err) {
      return invalid(`malformed token: ${(err as Error).message}`);
    }
    const checked = checkAudienceIssuer(claims);
    if ("reason" in checked) return invalid(checked.reason);
    if (options.skipSignature) return unsignedPayload(claims);
    const choice = keys.select(header, checked.vars);
    if ("reason" in choice) return invalid(choice.reason);
    if (choice.keys.every((key) => key instanceof Uint8Array)) {
      const hmac = verifyHmac(token, header, claims, choice.keys as Uint8Array[]);
      if (hmac) return hmac;
    }
    let last: unknown;
    for (const key of choice.keys) {
      try {
        const { payload } = await jwtVerify(token, key, { algorithms: [header.alg!] });
        return { payload };
      } catch (err) {
        last = err;
        if (!(err instanceof errors.JWSSignatureVerificationFailed)) break;
      }
    }
    return failure(last);
  };
  return { verify, warnings };
}

/** How a verifier treats signatures. */
export interface JwtVerifierOptions {
  /** `client.insecure_skip_token_signature_verify`: trust any signature, still check `exp` and `nbf`. */
  readonly skipSignature?: boolean;
}

/** The claims of a token whose signature is not checked: only its times are. */
function unsignedPayload(claims: JWTPayload): JwtResult {
  const now = Date.now() / 1000;
  if (typeof claims.exp === "number" && claims.exp <= now) return { error: "expired" };
  if (typeof claims.nbf === "number" && claims.nbf > now) return { error: "expired" };
  return { payload: claims };
}
