import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { base64url, type CryptoKey, type JWK, type JWTPayload, SignJWT } from "jose";
import { createTokenVerifier, type TokenVerifier } from "../../src/auth/token-verifier.js";
import { loadConfig } from "../../src/config/load.js";
import type { Config } from "../../src/config/schema.js";

/** `client` settings as rotor would load them from a config file. */
export function clientConfig(client: Record<string, unknown>): Config["client"] {
  const { config, error } = loadConfig({ object: { client } });
  assert.equal(error, undefined);
  return config!.client;
}

/** A verifier for `client.token` settings (and optionally `client.subscription_token`). */
export function verifierFor(token: Record<string, unknown>, subscriptionToken?: Record<string, unknown>) {
  return createTokenVerifier(clientConfig({ token, subscription_token: subscriptionToken ?? {} }));
}

/** Unix seconds, `offset` from now. */
export const unix = (offset = 0) => Math.floor(Date.now() / 1000) + offset;

/**
 * Signs claims as a backend would; the header may add `kid` or `typ`. Claims
 * are loosely typed on purpose: tests sign wrongly typed ones too.
 */
export function sign(
  claims: Record<string, unknown>,
  key: CryptoKey | Uint8Array | string,
  alg: string,
  header: Record<string, string> = {},
): Promise<string> {
  const secret = typeof key === "string" ? new TextEncoder().encode(key) : key;
  return new SignJWT(claims as JWTPayload).setProtectedHeader({ ...header, alg }).sign(secret);
}

/** An unsigned `alg: none` token, written by hand since no library will mint one. */
export function unsigned(claims: JWTPayload): string {
  const part = (value: object) => base64url.encode(JSON.stringify(value));
  return `${part({ alg: "none", typ: "JWT" })}.${part(claims)}.`;
}

/** The claims of a verification that must succeed. */
export async function claimsOf<C>(result: Promise<{ claims: C } | { error: string }>): Promise<C> {
  const settled = await result;
  assert.ok("claims" in settled, `expected claims, got ${JSON.stringify(settled)}`);
  return settled.claims;
}

/** Verifies a connection token and says which way it went: "ok", "expired" or "invalid". */
export async function outcome(verifier: TokenVerifier, token: string): Promise<string> {
  const result = await verifier.verifyConnectToken(token);
  return "claims" in result ? "ok" : result.error;
}

/** A JWKS endpoint on a free local port, counting the requests it answers. */
export interface JwksServer {
  readonly url: string;
  readonly hits: () => number;
  /** The keys served at `/<path>`. */
  set(path: string, keys: JWK[]): void;
  close(): Promise<void>;
}

export async function startJwksServer(): Promise<JwksServer> {
  const sets = new Map<string, JWK[]>();
  let hits = 0;
  const server = createServer((req, res) => {
    hits += 1;
    const keys = sets.get(req.url ?? "");
    res.writeHead(keys ? 200 : 404, { "content-type": "application/json" });
    res.end(JSON.stringify(keys ? { keys } : { error: "not found" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits: () => hits,
    set: (path, keys) => sets.set(`/${path}`, keys),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
