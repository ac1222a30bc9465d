import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { jwtVerify } from "jose";
import { runRotor as rotor } from "../helpers/cli-run.js";

const key = (secret: string) => new TextEncoder().encode(secret);

describe("rotor token commands", { concurrency: true }, () => {
  test("gentoken prints an HS256 connection token signed with client.token.hmac_secret_key", async () => {
    const run = await rotor(["gentoken", "--user", "42", "--ttl", "1h"], {
      ROTOR_CLIENT_TOKEN_HMAC_SECRET_KEY: "secret",
    });
    assert.equal(run.code, 0, run.stderr);
    const { payload, protectedHeader } = await jwtVerify(run.stdout.trim(), key("secret"));
    assert.equal(protectedHeader.alg, "HS256");
    assert.equal(payload.sub, "42");
    assert.equal(payload.exp! - payload.iat!, 3600);
    assert.equal(payload.channel, undefined);
  });

  test("gentoken --ttl 0 mints a token without exp", async () => {
    const run = await rotor(["gentoken", "--user", "42", "--ttl", "0"], {
      ROTOR_CLIENT_TOKEN_HMAC_SECRET_KEY: "secret",
    });
    const { payload } = await jwtVerify(run.stdout.trim(), key("secret"));
    assert.equal(payload.exp, undefined);
  });

  test("gentoken without an HMAC key exits 2 and says which option to set", async () => {
    const run = await rotor(["gentoken", "--user", "42"]);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, "");
    assert.match(run.stderr, /no HMAC secret key configured: set client\.token\.hmac_secret_key/);
    assert.match(run.stderr, /ROTOR_CLIENT_TOKEN_HMAC_SECRET_KEY/);
  });

  test("gensubtoken carries the channel and uses subscription_token's key when enabled", async () => {
    const shared = await rotor(["gensubtoken", "--user", "42", "--channel", "$news"], {
      ROTOR_CLIENT_TOKEN_HMAC_SECRET_KEY: "secret",
    });
    assert.equal(shared.code, 0, shared.stderr);
    const { payload } = await jwtVerify(shared.stdout.trim(), key("secret"));
    assert.equal(payload.channel, "$news");
    assert.equal(payload.sub, "42");

    const separate = await rotor(["gensubtoken", "--user", "42", "--channel", "$news"], {
      ROTOR_CLIENT_TOKEN_HMAC_SECRET_KEY: "secret",
      ROTOR_CLIENT_SUBSCRIPTION_TOKEN_ENABLED: "true",
      ROTOR_CLIENT_SUBSCRIPTION_TOKEN_HMAC_SECRET_KEY: "sub-secret",
    });
    assert.equal((await jwtVerify(separate.stdout.trim(), key("sub-secret"))).payload.channel, "$news");
  });

  test("token commands refuse bad flags with exit code 2", async () => {
    const env = { ROTOR_CLIENT_TOKEN_HMAC_SECRET_KEY: "secret" };
    const cases: [string[], RegExp][] = [
      [["gensubtoken", "--user", "42"], /--channel is required/],
      [["gentoken", "--channel", "news"], /unknown flag --channel/],
      [["gentoken", "--ttl", "soon"], /--ttl: "soon" is not a duration/],
    ];
    const runs = await Promise.all(cases.map(([args]) => rotor(args, env)));
    cases.forEach(([args, message], i) => {
      assert.equal(runs[i]!.code, 2, args.join(" "));
      assert.match(runs[i]!.stderr, message);
    });
  });
});
