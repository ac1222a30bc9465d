import assert from "node:assert/strict";
import { test } from "node:test";
import { create, fromBinary, fromJsonString, toBinary, toJsonString } from "@bufbuild/protobuf";
import fc from "fast-check";
import { BroadcastRequestSchema, PublishRequestSchema } from "../../gen/centrifugal/centrifugo/api/api_pb.js";
import { readPublishRequest, readPublishRequestJson } from "../../src/api/direct-unary/publish-request.js";

const textArb = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 8 }),
);
const bytesArb = fc.uint8Array({ maxLength: 300 });

/** Bodies a client sends (channel and data, sometimes more fields), then the same damaged or run together. */
const bodyArb = fc
  .record({
    channel: textArb,
    data: bytesArb,
    more: fc.option(
      fc.record({
        skipHistory: fc.boolean(),
        idempotencyKey: textArb,
        tags: fc.dictionary(textArb, textArb),
      }),
    ),
  })
  .map(({ channel, data, more }) =>
    Buffer.from(
      toBinary(PublishRequestSchema, create(PublishRequestSchema, { channel, data, ...(more ?? {}) })),
    ),
  );
const damagedArb = fc.oneof(
  bodyArb,
  fc.tuple(bodyArb, bodyArb).map(([a, b]) => Buffer.concat([a, b])),
  fc.tuple(bodyArb, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([b, i, v]) => {
    const copy = Buffer.from(b);
    if (copy.length > 0) copy[i % copy.length] = v;
    return copy;
  }),
  fc.tuple(bodyArb, fc.nat()).map(([b, n]) => b.subarray(0, b.length === 0 ? 0 : n % b.length)),
  fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
  fc.constantFrom(
    Buffer.from([0x0a, 0x80, 0x80, 0x80, 0x80, 0x01]),
    Buffer.from([0x0a, 0x80, 0x00]),
    Buffer.from([0x0a, 0x02, 0xff, 0xfe]),
    Buffer.from([0x12, 0x00]),
    Buffer.from([0x0a, 0x03, 0xef, 0xbb, 0xbf]),
  ),
);

test("a PublishRequest read directly is exactly the message fromBinary reads, and anything else is left to it", () => {
  let direct = 0;
  fc.assert(
    fc.property(damagedArb, (body) => {
      const mine = readPublishRequest(PublishRequestSchema, body);
      if (mine === undefined) return;
      direct++;
      assert.deepStrictEqual(mine, fromBinary(PublishRequestSchema, body));
    }),
    { numRuns: 5000 },
  );
  assert.ok(direct > 500, `only ${direct} bodies were read directly`);
});

test("another schema is never read as a PublishRequest", () => {
  const body = Buffer.from(toBinary(PublishRequestSchema, create(PublishRequestSchema, { channel: "a" })));
  assert.equal(readPublishRequest(BroadcastRequestSchema, body), undefined);
  assert.equal(readPublishRequestJson(BroadcastRequestSchema, Buffer.from('{"channel":"a"}')), undefined);
});

const base64Arb = fc.oneof(
  bytesArb.map((b) => Buffer.from(b).toString("base64")),
  bytesArb.map((b) => Buffer.from(b).toString("base64url")),
  bytesArb.map((b) => Buffer.from(b).toString("base64").replace(/=+$/, "")),
  fc.string({ unit: fc.constantFrom("A", "Q", "=", "+", "/", "-", "_", " ", "\n", "*"), maxLength: 12 }),
);
const valueArb = fc.oneof(
  textArb,
  base64Arb,
  fc.constant(null),
  fc.integer(),
  fc.constant([]),
  fc.constant({}),
);
const jsonBodyArb = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(textArb, bytesArb, fc.boolean())
      .map(([channel, b, first]) =>
        JSON.stringify(
          first
            ? { channel, data: Buffer.from(b).toString("base64") }
            : { data: Buffer.from(b).toString("base64"), channel },
        ),
      ),
  },
  bodyArb.map((b) => toJsonString(PublishRequestSchema, fromBinary(PublishRequestSchema, b))),
  fc
    .record(
      {
        channel: fc.oneof(textArb, valueArb),
        data: fc.oneof(base64Arb, valueArb),
        skipHistory: fc.boolean(),
      },
      { requiredKeys: [] },
    )
    .map((o) => JSON.stringify(o)),
  fc
    .tuple(textArb, base64Arb)
    .map(([c, d]) => `{"channel":${JSON.stringify(c)},"data":"${d}","channel":"x"}`),
  fc.tuple(textArb, base64Arb).map(([c, d]) => `{"data":"${d}","channel":${JSON.stringify(c)}}`),
  fc.constantFrom(
    "",
    "null",
    "[]",
    "{}",
    '{"channel":"a",}',
    '{"channel":"a"} x',
    '"a"',
    '{"__proto__":{}}',
    '{"channel":"\\ud800"}',
  ),
);

test("a JSON PublishRequest read directly is exactly the message fromJsonString reads, and anything else is left to it", () => {
  let direct = 0;
  fc.assert(
    fc.property(jsonBodyArb, (body) => {
      const mine = readPublishRequestJson(PublishRequestSchema, Buffer.from(body));
      if (mine === undefined) return;
      direct++;
      assert.deepStrictEqual(mine, fromJsonString(PublishRequestSchema, body));
    }),
    { numRuns: 5000 },
  );
  assert.ok(direct > 300, `only ${direct} bodies were read directly`);
});
