import assert from "node:assert/strict";
import { test } from "node:test";
import { claimsOf, sign, unix, verifierFor } from "./token-helpers.js";

type Claims = Record<string, unknown>;

const secret = "secret";
const verifier = await verifierFor({ hmac_secret_key: secret });
const text = (bytes: Uint8Array | undefined) => (bytes ? Buffer.from(bytes).toString("utf8") : undefined);
const connect = async (claims: Claims) => verifier.verifyConnectToken(await sign(claims, secret, "HS256"));
const subscribe = async (claims: Claims) =>
  verifier.verifySubscriptionToken(await sign(claims, secret, "HS256"));

test("expire_at overrides exp for the connection's expiry: >0 then, 0 or less never", async () => {
  const exp = unix(3600);
  const later = unix(7200);
  const cases: [string, Claims, number][] = [
    ["exp alone", { exp }, exp],
    ["neither", {}, 0],
    ["expire_at later than exp", { exp, expire_at: later }, later],
    ["expire_at 0: never, although exp limits the token", { exp, expire_at: 0 }, 0],
    ["expire_at negative", { exp, expire_at: -1 }, 0],
    ["expire_at without exp", { expire_at: later }, later],
    ["expire_at null counts as absent", { exp, expire_at: null }, exp],
  ];
  for (const [name, claims, expireAt] of cases) {
    const connection = await claimsOf(connect({ sub: "42", ...claims }));
    assert.equal(connection.expireAt, expireAt, name);
    assert.equal(connection.exp, claims.exp, name);
    const subscription = await claimsOf(subscribe({ sub: "42", channel: "news", ...claims }));
    assert.equal(subscription.expireAt, expireAt, name);
  }
});

test("a token past expire_at but within exp verifies; the session decides it has expired", async () => {
  const claims = await claimsOf(connect({ sub: "42", exp: unix(60), expire_at: unix(-60) }));
  assert.ok(claims.expireAt < unix());
});

test("info comes as the JSON value's bytes, or decoded from b64info, which wins", async () => {
  const cases: [string, Claims, string | undefined][] = [
    ["object", { info: { name: "Alexander", n: 1 } }, '{"name":"Alexander","n":1}'],
    ["string", { info: "hi" }, '"hi"'],
    ["b64info", { b64info: Buffer.from("binary").toString("base64") }, "binary"],
    ["both", { info: { a: 1 }, b64info: Buffer.from("raw").toString("base64") }, "raw"],
    ["empty b64info falls back to info", { info: 5, b64info: "" }, "5"],
    ["none", {}, undefined],
    ["null", { info: null }, undefined],
  ];
  for (const [name, claims, expected] of cases) {
    assert.equal(text((await claimsOf(connect({ sub: "42", ...claims }))).info), expected, name);
    const sub = await claimsOf(subscribe({ sub: "42", channel: "news", ...claims }));
    assert.equal(text(sub.info), expected, name);
  }
  const meta = await claimsOf(connect({ sub: "42", meta: { plan: "pro" } }));
  assert.equal(text(meta.meta), '{"plan":"pro"}');
});

test("channels, and subs with info, data and overrides — subs replaces channels", async () => {
  const only = await claimsOf(connect({ sub: "42", channels: ["news", "chat:1"] }));
  assert.deepEqual(only.channels, ["news", "chat:1"]);
  assert.deepEqual(only.subs, {});

  const claims = await claimsOf(
    connect({
      sub: "42",
      channels: ["ignored"],
      subs: {
        news: {
          info: { role: "reader" },
          b64data: Buffer.from([1, 2]).toString("base64"),
          override: {
            presence: { value: true },
            join_leave: { value: false },
            force_push_join_leave: { value: true },
            force_recovery: {},
            force_positioning: { value: true },
          },
        },
        chat: { data: { hello: "world" } },
      },
    }),
  );
  assert.deepEqual(claims.channels, []);
  assert.deepEqual(Object.keys(claims.subs), ["news", "chat"]);
  const news = claims.subs.news!;
  assert.equal(text(news.info), '{"role":"reader"}');
  assert.deepEqual([...news.data!], [1, 2]);
  assert.deepEqual(news.override, {
    presence: true,
    joinLeave: false,
    forcePushJoinLeave: true,
    forceRecovery: false,
    forcePositioning: true,
  });
  assert.equal(text(claims.subs.chat!.data), '{"hello":"world"}');
  assert.equal(claims.subs.chat!.override, undefined);
});

test("the user comes from sub, or from user_id_claim", async () => {
  assert.equal((await claimsOf(connect({ sub: "42" }))).user, "42");
  assert.equal((await claimsOf(connect({}))).user, "");
  const custom = await verifierFor({ hmac_secret_key: secret, user_id_claim: "user_id" });
  const cases: [Claims, string][] = [
    [{ user_id: "u1", sub: "ignored" }, "u1"],
    [{ user_id: 77 }, "77"],
    [{ sub: "42" }, ""],
  ];
  for (const [claims, user] of cases) {
    const token = await sign(claims, secret, "HS256");
    assert.equal((await claimsOf(custom.verifyConnectToken(token))).user, user, JSON.stringify(claims));
    const subToken = await sign({ ...claims, channel: "news" }, secret, "HS256");
    assert.equal(
      (await claimsOf(custom.verifySubscriptionToken(subToken))).user,
      user,
      JSON.stringify(claims),
    );
  }
});

test("subscription tokens carry channel, data, override and the legacy client", async () => {
  const claims = await claimsOf(
    subscribe({
      sub: "42",
      channel: "$private",
      client: "c-1",
      data: { welcome: true },
      b64info: Buffer.from("i").toString("base64"),
      override: { presence: { value: false } },
    }),
  );
  assert.equal(claims.channel, "$private");
  assert.equal(claims.user, "42");
  assert.equal(claims.client, "c-1");
  assert.equal(text(claims.data), '{"welcome":true}');
  assert.equal(text(claims.info), "i");
  assert.deepEqual(claims.override, { presence: false });
  const bare = await claimsOf(subscribe({ channel: "news" }));
  assert.equal(bare.client, undefined);
  assert.equal(bare.override, undefined);
  assert.equal(bare.data, undefined);
});

test("claims of the wrong kind or type make the token invalid", async () => {
  const cases: [string, "connect" | "subscribe", Claims, string][] = [
    ["connection token with a channel", "connect", { channel: "news" }, "must not have a channel claim"],
    ["subscription token without a channel", "subscribe", { sub: "42" }, "must have a channel claim"],
    ["subscription token with an empty channel", "subscribe", { channel: "" }, "must have a channel claim"],
    ["sub not a string", "connect", { sub: 42 }, '"sub" must be a string'],
    ["exp not a number", "connect", { exp: "soon" }, '"exp" claim must be a number'],
    ["expire_at not an integer", "connect", { expire_at: 1.5 }, '"expire_at" must be an integer'],
    ["channels not strings", "connect", { channels: [1] }, '"channels" must be an array of strings'],
    ["subs not an object", "connect", { subs: ["news"] }, '"subs" must be an object'],
    ["b64info not base64", "connect", { b64info: "%%%" }, '"b64info" is not standard base64'],
    [
      "override not {value}",
      "subscribe",
      { channel: "c", override: { presence: true } },
      "override.presence",
    ],
    [
      "subs override not {value}",
      "connect",
      { subs: { c: { override: { join_leave: { value: 1 } } } } },
      "join_leave",
    ],
    ["aud not strings", "connect", { aud: [1] }, '"aud" must be a string or an array of strings'],
  ];
  for (const [name, kind, claims, reason] of cases) {
    const result = await (kind === "connect" ? connect(claims) : subscribe(claims));
    assert.ok("error" in result && result.error === "invalid", name);
    assert.ok(result.reason.includes(reason), `${name}: ${result.reason}`);
  }
});
