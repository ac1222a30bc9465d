/**
 * Which kind of key verifies a JWS algorithm. Choosing the key by the token's
 * `alg` family — never by what the key happens to be — is what rules out
 * algorithm confusion: an `HS256` token is only ever checked against an HMAC
 * secret, never against an RSA public key used as one.
 */
export type AlgorithmFamily = "hmac" | "rsa" | "ecdsa" | "eddsa";

const families: Readonly<Record<string, AlgorithmFamily>> = {
  HS256: "hmac",
  HS384: "hmac",
  HS512: "hmac",
  RS256: "rsa",
  RS384: "rsa",
  RS512: "rsa",
  PS256: "rsa",
  PS384: "rsa",
  PS512: "rsa",
  ES256: "ecdsa",
  ES384: "ecdsa",
  ES512: "ecdsa",
  EdDSA: "eddsa",
  Ed25519: "eddsa",
};

/** The family of a supported algorithm; undefined for `none` and everything rotor does not accept. */
export function algorithmFamily(alg: unknown): AlgorithmFamily | undefined {
  return typeof alg === "string" && Object.hasOwn(families, alg) ? families[alg] : undefined;
}

/** Every supported algorithm of a family (to import a PEM key once per algorithm). */
export function familyAlgorithms(family: AlgorithmFamily): string[] {
  return Object.keys(families).filter((alg) => families[alg] === family);
}
