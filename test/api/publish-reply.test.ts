import assert from "node:assert/strict";
import { test } from "node:test";
import { create, toBinary, toJsonString } from "@bufbuild/protobuf";
import fc from "fast-check";
import { CentrifugoApi, PublishResponseSchema } from "../../gen/centrifugal/centrifugo/api/api_pb.js";
import { publishReplyBinary, publishReplyJson } from "../../src/api/direct-unary/publish-reply.js";

const publish = CentrifugoApi.method.publish;

const epochArb = fc.oneof(
  fc.constant(""),
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.string({
    unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
    maxLength: 3,
  }),
  fc.string({ unit: fc.constantFrom('"', "\\", "\n", "\u0000", "\u2028", "a"), maxLength: 6 }),
);
const offsetArb = fc.oneof(
  fc.constantFrom(0n, 1n, 127n, 128n, 16383n, 16384n, 2n ** 32n, BigInt(Number.MAX_SAFE_INTEGER)),
  fc.bigInt({ min: 0n, max: BigInt(Number.MAX_SAFE_INTEGER) }),
);

test("a Publish result is written byte for byte as protobuf-es writes it, in binary and in JSON", () => {
  fc.assert(
    fc.property(offsetArb, epochArb, (offset, epoch) => {
      const response = { result: { offset, epoch } };
      const message = create(PublishResponseSchema, response);
      assert.deepEqual(
        Buffer.from(publishReplyBinary(publish, response)!),
        Buffer.from(toBinary(PublishResponseSchema, message)),
      );
      assert.equal(publishReplyJson(publish, response), toJsonString(PublishResponseSchema, message));
    }),
    { numRuns: 3000 },
  );
});

test("any other response or method is left to the general encoder", () => {
  const others: unknown[] = [
    { error: { code: 102, message: "unknown channel" } },
    { error: { code: 102, message: "x" }, result: { offset: 1n, epoch: "e" } },
    { result: { offset: 2n ** 64n - 1n, epoch: "e" } },
    { result: { offset: -1n, epoch: "e" } },
    { result: { offset: 1, epoch: "e" } },
    { result: { offset: 1n, epoch: "e", $unknown: [{ no: 9, wireType: 0, data: new Uint8Array([1]) }] } },
    { result: null },
    {},
  ];
  for (const response of others) {
    assert.equal(
      publishReplyBinary(publish, response),
      undefined,
      JSON.stringify(response, (_, v) => String(v)),
    );
    assert.equal(publishReplyJson(publish, response), undefined);
  }
  const broadcast = { result: { offset: 1n, epoch: "e" } };
  assert.equal(publishReplyBinary(CentrifugoApi.method.broadcast, broadcast), undefined);
  assert.equal(publishReplyJson(CentrifugoApi.method.broadcast, broadcast), undefined);
});
