import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig } from "../../src/config/load.js";
import { createChannelRules } from "../../src/node/channel-rules.js";
import { compileGlob } from "../../src/node/glob.js";

function rules(channel: Record<string, unknown>) {
  const loaded = loadConfig({ object: { channel } });
  if (loaded.error !== undefined) throw new Error(loaded.error);
  return createChannelRules(loaded.config.channel);
}

test("channel names resolve to their namespace, private prefix and user limits", () => {
  const r = rules({ namespaces: [{ name: "chat", presence: true }] });
  const cases: [string, string | undefined, boolean, string[] | undefined][] = [
    ["news", "", false, undefined],
    ["chat:index", "chat", false, undefined],
    ["$chat:secret", "chat", true, undefined],
    ["chat:dialog#42,43", "chat", false, ["42", "43"]],
    ["unknown:x", undefined, false, undefined],
  ];
  for (const [name, namespace, isPrivate, users] of cases) {
    const info = r.resolve(name);
    assert.equal(info?.namespace, namespace, name);
    if (info) {
      assert.equal(info.isPrivate, isPrivate, name);
      assert.deepEqual(info.allowedUsers, users, name);
    }
  }
  assert.equal(r.resolve("chat:x")?.options.presence, true);
});

test("names are limited in length, to ASCII, or to the namespace channel_regex", () => {
  const r = rules({ max_length: 10, namespaces: [{ name: "ids", channel_regex: "^[0-9]+$" }] });
  const valid = (name: string) => r.isValidName(name, r.resolve(name)!);
  assert.equal(valid("short"), true);
  assert.equal(valid("much-too-long"), false);
  assert.equal(valid("café"), false);
  assert.equal(valid("ids:123"), true);
  assert.equal(valid("ids:abc"), false);
});

test("glob patterns follow gobwas/glob without separators", () => {
  const cases: [string, string, boolean][] = [
    ["chat:*", "chat:index", true],
    ["*", "a:b:c", true],
    ["chat:?", "chat:a", true],
    ["chat:?", "chat:ab", false],
    ["{chat,news}:*", "news:x", true],
    ["[ab]*", "bz", true],
    ["[!ab]*", "bz", false],
    ["a.b", "a.b", true],
    ["a.b", "axb", false],
  ];
  for (const [pattern, name, want] of cases)
    assert.equal(compileGlob(pattern)?.test(name), want, `${pattern} ~ ${name}`);
  assert.equal(compileGlob("[abc"), undefined);
  assert.equal(compileGlob("{a,b"), undefined);
});
