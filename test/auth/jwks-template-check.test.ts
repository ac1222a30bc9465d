import assert from "node:assert/strict";
import { after, test } from "node:test";
import { exportJWK, generateKeyPair } from "jose";
import { createJwksKeys } from "../../src/auth/jwks.js";
import { runRotor as rotor } from "../helpers/cli-run.js";
import { clientConfig, outcome, sign, startJwksServer, unix, verifierFor } from "./token-helpers.js";

const server = await startJwksServer();
after(() => server.close());

const endpoint = "https://auth.example.com/{{realm}}/certs";
const tokenWith = (issuerRegex: string, extra: Record<string, unknown> = {}) => ({
  jwks_public_endpoint: endpoint,
  issuer_regex: issuerRegex,
  ...extra,
});

test("JWKS templates whose groups can take any value are refused at start, naming the rule", async () => {
  const refused: [string, RegExp][] = [
    ["^https://x/(?P<realm>[a-z]+)$", /issuer_regex contains character class syntax/],
    ["^https://x/(?P<realm>\\w+)$", /issuer_regex contains character class shorthand \(\\w\)/],
    ["^https://x/(?P<realm>.+)$", /issuer_regex named group "realm" is used in JWKS endpoint URL template/],
    ["^https://x/(?<realm>a+)$", /named group "realm"/],
    ["^https://x/(?P<realm>acme|ot.er)$", /named group "realm"/],
    ["^https://x/(?P<realm>acme{2})$", /named group "realm"/],
    ["^https://x/(?P<realm>(?:acme)?)$", /named group "realm"/],
    ["^https://x/(?P<realm>\\bacme)$", /named group "realm"/],
    ["^[a-z]+/(?P<realm>acme)$", /character class syntax/],
  ];
  for (const [regex, message] of refused) {
    await assert.rejects(
      verifierFor(tokenWith(regex)),
      (err: Error) =>
        err.message.startsWith(
          "error creating token verifier: error validating token verifier config: client.token: ",
        ) && message.test(err.message),
      regex,
    );
  }
  await assert.rejects(
    verifierFor(
      { hmac_secret_key: "s" },
      { enabled: true, jwks_public_endpoint: endpoint, audience_regex: "^(?P<realm>.*)$" },
    ),
    /client\.subscription_token: audience_regex named group "realm"/,
  );
});

test("JWKS templates filled only from explicit lists, or not from the regex at all, are accepted", async () => {
  const accepted = [
    "^https://x/(?P<realm>acme|other)$",
    "^https://x/(?P<realm>acme|acne|(?:ot)her)$",
    "^https://x\\.example\\.com/(?P<realm>team\\.one|team-two)$",
    "^https://x/(?P<realm>(acme)|(other))$",
    "^https://x/(?P<realm>)$",
    "^https://x/(?P<other>.+)/(?P<realm>acme)$",
  ];
  for (const regex of accepted) {
    const verifier = await verifierFor(tokenWith(regex));
    assert.deepEqual(verifier.warnings, [], regex);
  }
  await verifierFor({ jwks_public_endpoint: "https://auth.example.com/certs", issuer_regex: "^[a-z]+$" });
});

test("insecure_skip_jwks_endpoint_safety_check turns the refusal into a warning", async () => {
  const verifier = await verifierFor(
    tokenWith("^https://x/(?P<realm>.+)$", { insecure_skip_jwks_endpoint_safety_check: true }),
  );
  assert.equal(verifier.warnings.length, 1);
  assert.match(verifier.warnings[0]!, /client\.token: issuer_regex named group "realm".*insecure_skip/);
});

test("checktoken reports an unsafe template as Centrifugo does, and passes once it is opted out", async () => {
  const env = {
    ROTOR_CLIENT_TOKEN_JWKS_PUBLIC_ENDPOINT: `${server.url}/{{realm}}/certs`,
    ROTOR_CLIENT_TOKEN_ISSUER_REGEX: "^https://auth/(?P<realm>.+)$",
  };
  const refused = await rotor(["checktoken", "x.y.z"], env);
  assert.equal(refused.code, 2);
  assert.match(
    refused.stderr,
    /error creating token verifier: error validating token verifier config: client\.token: issuer_regex named group "realm"/,
  );
  const skipped = await rotor(["checktoken", "x.y.z"], {
    ...env,
    ROTOR_CLIENT_TOKEN_INSECURE_SKIP_JWKS_ENDPOINT_SAFETY_CHECK: "true",
  });
  assert.match(skipped.stderr, /warning: client\.token: issuer_regex named group "realm"/);
  assert.doesNotMatch(skipped.stderr, /error creating token verifier/);
});

test("a substitution that would change the URL path is refused at run time, before any fetch", async () => {
  const key = await generateKeyPair("EdDSA");
  server.set("realms/acme/certs", [{ ...(await exportJWK(key.publicKey)), kid: "k", alg: "EdDSA" }]);
  const keys = createJwksKeys(`${server.url}/realms/{{realm}}/certs`);
  const before = server.hits();
  for (const realm of ["..", ".", ""]) {
    const got = keys.resolverFor({ realm });
    assert.ok("reason" in got, `realm ${JSON.stringify(realm)}`);
    assert.match(got.reason, /changes under path cleaning: refused/);
  }
  assert.ok(!("reason" in keys.resolverFor({ realm: "acme" })));
  assert.equal(server.hits(), before, "nothing refused was fetched");

  const verifier = await verifierFor({
    jwks_public_endpoint: `${server.url}/realms/{{realm}}/certs`,
    issuer_regex: "^https://auth/(?P<realm>acme|\\.\\.)$",
  });
  const issued = (realm: string) =>
    sign({ sub: "42", exp: unix(60), iss: `https://auth/${realm}` }, key.privateKey, "EdDSA", { kid: "k" });
  assert.equal(await outcome(verifier, await issued("acme")), "ok");
  assert.equal(await outcome(verifier, await issued("..")), "invalid");
  assert.ok(clientConfig({}).token.insecure_skip_jwks_endpoint_safety_check === false);
});
