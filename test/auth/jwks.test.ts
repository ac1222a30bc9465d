import assert from "node:assert/strict";
import { after, test } from "node:test";
import { exportJWK, exportSPKI, generateKeyPair, type JWK } from "jose";
import { outcome, sign, startJwksServer, unix, verifierFor } from "./token-helpers.js";

const server = await startJwksServer();
after(() => server.close());

const claims = { sub: "42", exp: unix(3600) };
const publicJwk = async (publicKey: CryptoKey, kid: string, alg: string): Promise<JWK> => ({
  ...(await exportJWK(publicKey)),
  kid,
  alg,
  use: "sig",
});

test("Ed25519, RSA and EC keys come from the JWKS endpoint by kid, fetched once for many tokens", async () => {
  const ed = await generateKeyPair("EdDSA");
  const rsa = await generateKeyPair("RS256");
  const ec = await generateKeyPair("ES256");
  server.set("keys", [
    await publicJwk(ed.publicKey, "ed", "EdDSA"),
    await publicJwk(rsa.publicKey, "rsa", "RS256"),
    await publicJwk(ec.publicKey, "ec", "ES256"),
  ]);
  const verifier = await verifierFor({ jwks_public_endpoint: `${server.url}/keys` });
  const before = server.hits();
  const cases: [string, Promise<string>, string][] = [
    ["EdDSA", sign(claims, ed.privateKey, "EdDSA", { kid: "ed" }), "ok"],
    ["RS256", sign(claims, rsa.privateKey, "RS256", { kid: "rsa" }), "ok"],
    ["ES256", sign(claims, ec.privateKey, "ES256", { kid: "ec" }), "ok"],
    ["EdDSA again", sign(claims, ed.privateKey, "EdDSA", { kid: "ed" }), "ok"],
    ["kid of another key", sign(claims, ed.privateKey, "EdDSA", { kid: "rsa" }), "invalid"],
    ["expired", sign({ exp: unix(-5) }, ed.privateKey, "EdDSA", { kid: "ed" }), "expired"],
    ["HS256 when only JWKS is configured", sign(claims, "secret", "HS256", { kid: "ed" }), "invalid"],
  ];
  for (const [name, token, expected] of cases) {
    assert.equal(await outcome(verifier, await token), expected, name);
  }
  assert.equal(server.hits() - before, 1, "one fetch serves every token while the set is cached");

  const unknown = await sign(claims, ed.privateKey, "EdDSA", { kid: "rotated-in" });
  assert.equal(await outcome(verifier, unknown), "invalid");
  assert.equal(server.hits() - before, 1, "an unknown kid right after a fetch does not refetch (cooldown)");
});

test("the JWKS endpoint may be templated with named groups of issuer_regex", async () => {
  const acme = await generateKeyPair("EdDSA");
  const other = await generateKeyPair("EdDSA");
  server.set("acme/certs", [await publicJwk(acme.publicKey, "k", "EdDSA")]);
  server.set("other/certs", [await publicJwk(other.publicKey, "k", "EdDSA")]);
  const verifier = await verifierFor({
    jwks_public_endpoint: `${server.url}/{{realm}}/certs`,
    issuer_regex: "^https://auth\\.example\\.com/realms/(?P<realm>acme|other|nobody)$",
  });
  const issued = (realm: string, key: CryptoKey) =>
    sign({ ...claims, iss: `https://auth.example.com/realms/${realm}` }, key, "EdDSA", { kid: "k" });
  const cases: [string, Promise<string>, string][] = [
    ["acme token, acme key", issued("acme", acme.privateKey), "ok"],
    ["other token, other key", issued("other", other.privateKey), "ok"],
    ["claims to be other, signed by acme", issued("other", acme.privateKey), "invalid"],
    ["unknown realm: the endpoint answers 404", issued("nobody", acme.privateKey), "invalid"],
    [
      "issuer not matching the regex",
      sign({ ...claims, iss: "https://evil" }, acme.privateKey, "EdDSA"),
      "invalid",
    ],
  ];
  for (const [name, token, expected] of cases) {
    assert.equal(await outcome(verifier, await token), expected, name);
  }
});

test("with a PEM key and a JWKS endpoint, tokens naming a kid go to the JWKS", async () => {
  const pem = await generateKeyPair("RS256");
  const rotating = await generateKeyPair("RS256");
  server.set("mixed", [await publicJwk(rotating.publicKey, "r1", "RS256")]);
  const verifier = await verifierFor({
    rsa_public_key: await exportSPKI(pem.publicKey),
    jwks_public_endpoint: `${server.url}/mixed`,
  });
  const cases: [string, Promise<string>, string][] = [
    ["no kid, PEM key", sign(claims, pem.privateKey, "RS256"), "ok"],
    ["kid, JWKS key", sign(claims, rotating.privateKey, "RS256", { kid: "r1" }), "ok"],
    ["kid, but signed by the PEM key", sign(claims, pem.privateKey, "RS256", { kid: "r1" }), "invalid"],
  ];
  for (const [name, token, expected] of cases) {
    assert.equal(await outcome(verifier, await token), expected, name);
  }
});

test("an endpoint that cannot be read makes tokens invalid", async () => {
  const ed = await generateKeyPair("EdDSA");
  const verifier = await verifierFor({ jwks_public_endpoint: `${server.url}/missing` });
  const result = await verifier.verifyConnectToken(await sign(claims, ed.privateKey, "EdDSA", { kid: "k" }));
  assert.ok("error" in result && result.error === "invalid");
  assert.match(result.reason, /200 OK/);
});
