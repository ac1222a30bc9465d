import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { test } from "node:test";
import { exportPKCS8, exportSPKI, generateKeyPair, importPKCS8 } from "jose";
import { mintConnectionToken, mintSubscriptionToken } from "../../src/auth/mint.js";
import type { TokenVerifier } from "../../src/auth/token-verifier.js";
import { claimsOf, outcome, sign, unix, unsigned, verifierFor } from "./token-helpers.js";

const secret = "secret";
const rsa = await generateKeyPair("RS256", { extractable: true });
const rsaPem = await exportSPKI(rsa.publicKey);
const rsaPrivate = await exportPKCS8(rsa.privateKey);
const rsaSigner = (alg: string) => importPKCS8(rsaPrivate, alg);
const otherRsa = await generateKeyPair("RS256");
const ec = await generateKeyPair("ES256");
const ecPem = await exportSPKI(ec.publicKey);
const ec384 = await generateKeyPair("ES384");
const ed = await generateKeyPair("EdDSA");

const hmacOnly = await verifierFor({ hmac_secret_key: secret });
const rsaOnly = await verifierFor({ rsa_public_key: rsaPem });
const ecOnly = await verifierFor({ ecdsa_public_key: ecPem });
const all = await verifierFor({ hmac_secret_key: secret, rsa_public_key: rsaPem, ecdsa_public_key: ecPem });

const claims = { sub: "42", exp: unix(3600) };

test("tokens are accepted only with a key of their algorithm's family, and expire by exp and nbf", async () => {
  const cases: [string, TokenVerifier, Promise<string> | string, string][] = [
    ["HS256", hmacOnly, sign(claims, secret, "HS256"), "ok"],
    ["HS384", hmacOnly, sign(claims, secret, "HS384"), "ok"],
    ["HS512", hmacOnly, sign(claims, secret, "HS512"), "ok"],
    ["RS256", rsaOnly, sign(claims, rsa.privateKey, "RS256"), "ok"],
    ["RS384", rsaOnly, sign(claims, await rsaSigner("RS384"), "RS384"), "ok"],
    ["RS512", rsaOnly, sign(claims, await rsaSigner("RS512"), "RS512"), "ok"],
    ["PS256 with the RSA key", rsaOnly, sign(claims, await rsaSigner("PS256"), "PS256"), "ok"],
    ["ES256", ecOnly, sign(claims, ec.privateKey, "ES256"), "ok"],
    ["several methods configured: HS256", all, sign(claims, secret, "HS256"), "ok"],
    ["several methods configured: RS256", all, sign(claims, rsa.privateKey, "RS256"), "ok"],
    ["several methods configured: ES256", all, sign(claims, ec.privateKey, "ES256"), "ok"],
    ["no exp at all", hmacOnly, sign({ sub: "42" }, secret, "HS256"), "ok"],
    ["exp in the past", hmacOnly, sign({ sub: "42", exp: unix(-10) }, secret, "HS256"), "expired"],
    ["exp in the past, bad signature", hmacOnly, sign({ exp: unix(-10) }, "other", "HS256"), "invalid"],
    [
      "nbf in the future (Centrifugo: expired)",
      hmacOnly,
      sign({ ...claims, nbf: unix(60) }, secret, "HS256"),
      "expired",
    ],
    ["nbf in the past", hmacOnly, sign({ ...claims, nbf: unix(-60) }, secret, "HS256"), "ok"],
    ["HMAC signed with another secret", hmacOnly, sign(claims, "not-the-secret", "HS256"), "invalid"],
    ["RS256 from another key pair", rsaOnly, sign(claims, otherRsa.privateKey, "RS256"), "invalid"],
    ["ES384 against a P-256 key", ecOnly, sign(claims, ec384.privateKey, "ES384"), "invalid"],
    ["alg none, every method configured", all, unsigned(claims), "invalid"],
    ["alg none, HMAC configured", hmacOnly, unsigned(claims), "invalid"],
    ["HS256 keyed with the RSA public key PEM", rsaOnly, sign(claims, rsaPem, "HS256"), "invalid"],
    ["HS256 keyed with the ECDSA public key PEM", ecOnly, sign(claims, ecPem, "HS256"), "invalid"],
    ["RS256 when only HMAC is configured", hmacOnly, sign(claims, rsa.privateKey, "RS256"), "invalid"],
    ["ES256 when only RSA is configured", rsaOnly, sign(claims, ec.privateKey, "ES256"), "invalid"],
    ["EdDSA without a JWKS endpoint", all, sign(claims, ed.privateKey, "EdDSA"), "invalid"],
    ["not a JWT", all, "not-a-jwt", "invalid"],
    ["a JWT with its payload cut", all, "eyJhbGciOiJIUzI1NiJ9..sig", "invalid"],
  ];
  for (const [name, verifier, token, expected] of cases) {
    assert.equal(await outcome(verifier, await token), expected, name);
  }
});

/** A token signed by hand, with a header no library will put in one. */
function hmacSigned(header: object, payload: object): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const signed = `${part(header)}.${part(payload)}`;
  return `${signed}.${createHmac("sha256", secret).update(signed).digest("base64url")}`;
}

test("HMAC tokens are judged as jose judges them: the signature exactly, then iat, nbf and exp", async () => {
  const good = await sign(claims, secret, "HS256");
  const [header, payload, signature] = good.split(".") as [string, string, string];
  const swapped = `${signature.startsWith("A") ? "B" : "A"}${signature.slice(1)}`;
  const cases: [string, string, string][] = [
    ["the signature with one character changed", `${header}.${payload}.${swapped}`, "invalid"],
    ["the signature with a character outside base64url", `${header}.${payload}.${signature}!`, "invalid"],
    ["the signature cut short", `${header}.${payload}.${signature.slice(0, 20)}`, "invalid"],
    ["no signature", `${header}.${payload}.`, "invalid"],
    ["exp as a string", await sign({ sub: "42", exp: String(unix(60)) }, secret, "HS256"), "invalid"],
    ["nbf as a string", await sign({ sub: "42", nbf: String(unix(-60)) }, secret, "HS256"), "invalid"],
    ["iat as a string", await sign({ sub: "42", iat: "yesterday" }, secret, "HS256"), "invalid"],
    ["exp this very second", await sign({ sub: "42", exp: unix(0) }, secret, "HS256"), "expired"],
    ["exp next second", await sign({ sub: "42", exp: unix(2) }, secret, "HS256"), "ok"],
    [
      "crit naming a parameter jose does not know",
      hmacSigned({ alg: "HS256", crit: ["x"], x: 1 }, claims),
      "invalid",
    ],
  ];
  for (const [name, token, expected] of cases) {
    assert.equal(await outcome(hmacOnly, token), expected, name);
  }
});

test("invalid results carry a reason for the log", async () => {
  const result = await rsaOnly.verifyConnectToken(await sign(claims, rsaPem, "HS256"));
  assert.deepEqual(result, { error: "invalid", reason: "no HMAC key configured for HS256" });
  const none = await all.verifyConnectToken(unsigned(claims));
  assert.deepEqual(none, { error: "invalid", reason: 'unsupported algorithm "none"' });
});

test("audience and issuer are checked only when configured, exactly or by regex", async () => {
  const exact = await verifierFor({ hmac_secret_key: secret, audience: "rotor", issuer: "https://auth" });
  const regex = await verifierFor({
    hmac_secret_key: secret,
    audience_regex: "^rotor-(?P<env>[a-z]+)$",
    issuer_regex: "^https://auth\\.example\\.com/",
  });
  const iss = "https://auth.example.com/realm";
  const cases: [string, TokenVerifier, object, string][] = [
    ["aud and iss as configured", exact, { aud: "rotor", iss: "https://auth" }, "ok"],
    ["aud among several", exact, { aud: ["app", "rotor"], iss: "https://auth" }, "ok"],
    ["wrong aud", exact, { aud: "app", iss: "https://auth" }, "invalid"],
    ["no aud", exact, { iss: "https://auth" }, "invalid"],
    ["wrong iss", exact, { aud: "rotor", iss: "https://evil" }, "invalid"],
    ["wrong aud on an expired token", exact, { aud: "app", iss: "https://auth", exp: unix(-5) }, "invalid"],
    ["aud and iss matching the regexes", regex, { aud: "rotor-prod", iss }, "ok"],
    ["aud not matching", regex, { aud: "rotor-", iss }, "invalid"],
    ["iss not matching", regex, { aud: "rotor-prod", iss: "https://evil.com/" }, "invalid"],
    ["unchecked when not configured", hmacOnly, { aud: "anything", iss: "anyone" }, "ok"],
  ];
  for (const [name, verifier, extra, expected] of cases) {
    assert.equal(
      await outcome(verifier, await sign({ ...claims, ...extra }, secret, "HS256")),
      expected,
      name,
    );
  }
});

test("the previous HMAC secret is accepted until hmac_previous_secret_key_valid_until", async () => {
  const rotating = (validUntil: number) =>
    verifierFor({
      hmac_secret_key: "new",
      hmac_previous_secret_key: "old",
      hmac_previous_secret_key_valid_until: validUntil,
    });
  const cases: [string, number, string, string][] = [
    ["new secret", 0, "new", "ok"],
    ["old secret, no time limit", 0, "old", "ok"],
    ["old secret, before the limit", unix(60), "old", "ok"],
    ["old secret, after the limit", unix(-60), "old", "invalid"],
    ["new secret, after the limit", unix(-60), "new", "ok"],
    ["unknown secret", 0, "other", "invalid"],
  ];
  for (const [name, validUntil, key, expected] of cases) {
    assert.equal(await outcome(await rotating(validUntil), await sign(claims, key, "HS256")), expected, name);
  }
});

test("tokens minted by rotor verify with the same settings", async () => {
  const connection = await mintConnectionToken({ secret, user: "42", ttl: 3_600_000 });
  const forever = await claimsOf(
    hmacOnly.verifyConnectToken(await mintConnectionToken({ secret, user: "", ttl: 0 })),
  );
  const before = unix();
  const subscription = await mintSubscriptionToken({ secret, user: "42", ttl: 1500, channel: "$news" });
  const claims = await claimsOf(hmacOnly.verifyConnectToken(connection));
  assert.equal(claims.user, "42");
  assert.equal(claims.expireAt, claims.exp);
  assert.ok(Math.abs(claims.expireAt - unix(3600)) <= 1);
  assert.deepEqual([forever.user, forever.expireAt, forever.exp], ["", 0, undefined]);
  const sub = await claimsOf(hmacOnly.verifySubscriptionToken(subscription));
  assert.deepEqual([sub.channel, sub.user], ["$news", "42"]);
  assert.ok(sub.expireAt >= before + 2, "a 1.5s ttl rounds up to 2s");
});
