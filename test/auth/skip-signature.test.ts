import assert from "node:assert/strict";
import { test } from "node:test";
import { createTokenVerifier } from "../../src/auth/token-verifier.js";
import { clientConfig, outcome, sign, unix } from "./token-helpers.js";

test("insecure_skip_token_signature_verify accepts any signature but still checks times and issuer", async () => {
  const settings = {
    token: { hmac_secret_key: "right", issuer: "backend" },
    subscription_token: {},
  };
  const strict = await createTokenVerifier(clientConfig(settings));
  const lax = await createTokenVerifier(
    clientConfig({ ...settings, insecure_skip_token_signature_verify: true }),
  );
  const forged = await sign({ sub: "42", exp: unix(60), iss: "backend" }, "wrong", "HS256");
  assert.equal(await outcome(strict, forged), "invalid");
  assert.equal(await outcome(lax, forged), "ok");
  const claims = await lax.verifySubscriptionToken(
    await sign({ sub: "42", channel: "$x", exp: unix(60), iss: "backend" }, "wrong", "HS256"),
  );
  assert.ok("claims" in claims, JSON.stringify(claims));
  assert.equal(
    await outcome(lax, await sign({ sub: "42", exp: unix(-5), iss: "backend" }, "wrong", "HS256")),
    "expired",
  );
  assert.equal(
    await outcome(lax, await sign({ sub: "42", nbf: unix(60), iss: "backend" }, "wrong", "HS256")),
    "expired",
  );
  assert.equal(
    await outcome(lax, await sign({ sub: "42", exp: unix(60), iss: "other" }, "wrong", "HS256")),
    "invalid",
  );
});
