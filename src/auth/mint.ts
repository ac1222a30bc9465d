import { SignJWT } from "jose";

/** What an HS256 token minted by rotor says. */
export interface MintOptions {
  /** The HMAC secret (`hmac_secret_key`). */
  readonly secret: string;
  /** `sub`; "" mints an anonymous token. */
  readonly user: string;
  /** Lifetime in milliseconds, rounded up to whole seconds; 0 mints a token without `exp`. */
  readonly ttl: number;
}

async function mint(claims: Record<string, string>, options: MintOptions): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ ...claims, sub: options.user })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt(iat);
  if (options.ttl > 0) jwt.setExpirationTime(iat + Math.ceil(options.ttl / 1000));
  return jwt.sign(new TextEncoder().encode(options.secret));
}

/**
 * A connection token signed like a backend would sign it — for operators
 * trying a deployment (`rotor gentoken`) and for tests, never a substitute for
 * the application minting its own.
 */
export function mintConnectionToken(options: MintOptions): Promise<string> {
  return mint({}, options);
}

/** A subscription token for one channel (`rotor gensubtoken`, tests). */
export function mintSubscriptionToken(options: MintOptions & { readonly channel: string }): Promise<string> {
  return mint({ channel: options.channel }, options);
}
