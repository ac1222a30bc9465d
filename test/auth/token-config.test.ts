import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { test } from "node:test";
import { exportSPKI, generateKeyPair } from "jose";
import { createTokenVerifier } from "../../src/auth/token-verifier.js";
import { claimsOf, clientConfig, sign, verifierFor } from "./token-helpers.js";

test("settings that cannot work stop the verifier from being created, naming the option", async () => {
  const ec = await generateKeyPair("ES256");
  const small = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({
    type: "spki",
    format: "pem",
  });
  const cases: [Record<string, unknown>, Record<string, unknown>, string][] = [
    [{ audience: "a", audience_regex: "a" }, {}, "client.token: set audience or audience_regex, not both"],
    [{ issuer: "a", issuer_regex: "a" }, {}, "client.token: set issuer or issuer_regex, not both"],
    [{ issuer_regex: "(" }, {}, "client.token.issuer_regex: Invalid regular expression"],
    [{ user_id_claim: "user.id" }, {}, 'client.token.user_id_claim: "user.id" must match'],
    [{ rsa_public_key: "not a key" }, {}, "client.token.rsa_public_key: not an RSA public key"],
    [
      { rsa_public_key: await exportSPKI(ec.publicKey) },
      {},
      "client.token.rsa_public_key: not an RSA public key",
    ],
    [{ rsa_public_key: small }, {}, "RSA key has 1024 bits, at least 2048"],
    [{ ecdsa_public_key: "-----BEGIN PUBLIC KEY-----" }, {}, "client.token.ecdsa_public_key: not an ECDSA"],
    [
      { jwks_public_endpoint: "ftp://keys" },
      {},
      'client.token.jwks_public_endpoint: "ftp://keys" is not an http(s) URL',
    ],
    [
      { jwks_public_endpoint: "https://k/{{realm}}", issuer_regex: "(?P<tenant>.+)" },
      {},
      "client.token.jwks_public_endpoint: {{realm}} is not a named group",
    ],
    [{}, { enabled: true, audience: "a", audience_regex: "b" }, "client.subscription_token: set audience or"],
  ];
  for (const [token, subscriptionToken, message] of cases) {
    await assert.rejects(
      createTokenVerifier(clientConfig({ token, subscription_token: subscriptionToken })),
      (err: Error) => err.message.includes(message),
      message,
    );
  }
});

test("a disabled subscription_token section is not checked", async () => {
  await verifierFor({ hmac_secret_key: "k" }, { enabled: false, audience: "a", audience_regex: "b" });
});

test("client.subscription_token.enabled makes subscription tokens use their own keys", async () => {
  const shared = await verifierFor({ hmac_secret_key: "connection-key", user_id_claim: "uid" });
  const separate = await verifierFor(
    { hmac_secret_key: "connection-key" },
    { enabled: true, hmac_secret_key: "subscription-key" },
  );
  const subClaims = { sub: "42", uid: "7", channel: "$news" };
  const byConnectionKey = await sign(subClaims, "connection-key", "HS256");
  const bySubscriptionKey = await sign(subClaims, "subscription-key", "HS256");

  assert.equal((await claimsOf(shared.verifySubscriptionToken(byConnectionKey))).user, "7");
  assert.deepEqual(await shared.verifySubscriptionToken(bySubscriptionKey), {
    error: "invalid",
    reason: "signature verification failed",
  });
  assert.equal((await claimsOf(separate.verifySubscriptionToken(bySubscriptionKey))).user, "42");
  assert.ok("error" in (await separate.verifySubscriptionToken(byConnectionKey)));
  const connection = await sign({ sub: "42" }, "subscription-key", "HS256");
  assert.ok("error" in (await separate.verifyConnectToken(connection)), "connection tokens keep their key");
});
