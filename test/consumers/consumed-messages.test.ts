import assert from "node:assert/strict";
import { test } from "node:test";
import { consumerBackoff } from "../../src/consumers/backoff.js";
import { readCommandEnvelope } from "../../src/consumers/command-envelope.js";
import { publicationCommand } from "../../src/consumers/publication-data.js";

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString();
const envelope = (s: string) => readCommandEnvelope(Buffer.from(s));

test("an envelope gives its method and the payload's bytes as sent, object or string", () => {
  const big = '{"method":"publish","payload":{"channel":"a","data":{"id":12345678901234567890123}}}';
  const read = envelope(big);
  assert.ok(!("error" in read));
  assert.equal(read.method, "publish");
  assert.equal(text(read.request), '{"channel":"a","data":{"id":12345678901234567890123}}');
  const quoted = envelope('{"payload":"{\\"channel\\":\\"a\\"}","method":"broadcast"}');
  assert.ok(!("error" in quoted));
  assert.equal(quoted.method, "broadcast");
  assert.equal(text(quoted.request), '{"channel":"a"}');
  for (const bad of ["", "[]", "not json", '{"method":"publish"', '{"method":"publish"} x']) {
    assert.ok("error" in envelope(bad), bad);
  }
});

const mode = {
  enabled: true,
  channels: "ch",
  idempotencyKey: "key",
  delta: "delta",
  version: "version",
  versionEpoch: "epoch",
  tagsPrefix: "tag-",
};
const data = Buffer.from('{"x":1}');
const command = (fields: Record<string, string>) =>
  publicationCommand(data, new Map(Object.entries(fields)), mode);

test("publication data mode: one channel publishes, several broadcast, with every option the metadata names", () => {
  const one = command({
    ch: "a",
    key: "k",
    delta: "T",
    version: "18446744073709551615",
    epoch: "e",
    "tag-x": "1",
  });
  assert.ok("method" in one && one.method === "publish");
  assert.equal(one.request.channel, "a");
  assert.equal(one.request.idempotencyKey, "k");
  assert.equal(one.request.delta, true);
  assert.equal(one.request.version, 18446744073709551615n);
  assert.equal(one.request.versionEpoch, "e");
  assert.deepEqual(one.request.tags, { x: "1" });
  assert.equal(text(one.request.data), '{"x":1}');
  const many = command({ ch: "a, b" });
  assert.ok("method" in many && many.method === "broadcast");
  // Split on commas only, as Centrifugo does: the space stays in the channel name.
  assert.deepEqual(many.request.channels, ["a", " b"]);
});

test("publication data mode skips a message with no channel or an unreadable delta or version", () => {
  const cases: Record<string, string>[] = [
    {},
    { ch: "," },
    { ch: "a", delta: "yes" },
    { ch: "a", version: "-1" },
    { ch: "a", version: "1.5" },
    { ch: "a", version: "18446744073709551616" },
  ];
  for (const fields of cases) {
    assert.ok("skip" in command(fields), JSON.stringify(fields));
  }
});

test("the backoff starts at 10–19 ms, doubles, and stops at 5 s", () => {
  const first = consumerBackoff(0);
  assert.ok(first >= 10 && first < 20, String(first));
  const third = consumerBackoff(2);
  assert.ok(third >= 40 && third < 80, String(third));
  assert.equal(consumerBackoff(50), 5000);
});
