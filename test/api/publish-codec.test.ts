import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { CentrifugoApi } from "../../gen/centrifugal/centrifugo/api/api_pb.js";
import { reflectiveCodec } from "../../src/api/http-json/method-answer.js";
import { httpApiMethods } from "../../src/api/http-json/method-table.js";
import { publishCodec } from "../../src/api/http-json/publish-codec.js";
import { callArb, publishShapeArb } from "../fuzz/api-bodies.js";
import type { ValuePools } from "../fuzz/message-arbitrary.js";

const pools: ValuePools = {
  channels: ["chat:a", "news", "", "caf\u00e9", 'q"uote', "x\\y"],
  tokens: ["t"],
  payloads: ["{}", '{"a":[1,{"b":null}]}', '"text"', "-1.5e3", "null", "[]", "{", "", "\u00ff"],
};
const methods = ["Publish", "Broadcast", "Batch"].map(
  (name) => CentrifugoApi.methods.find((m) => m.name === name)!,
);
const httpMethod = (name: string) => httpApiMethods.get(name.toLowerCase())!;
const bodies = fc.oneof(publishShapeArb(pools), ...methods.map((m) => callArb(pools, "http-json", m)));

test("the publish codec decodes every publish, broadcast and batch body, whole or damaged, to the reflective codec's message or error", () => {
  fc.assert(
    fc.property(bodies, (call) => {
      const method = httpMethod(call.method.name);
      const body = Buffer.from(call.body);
      assert.deepStrictEqual(publishCodec.decode(method, body), reflectiveCodec.decode(method, body));
    }),
    { numRuns: 3000 },
  );
});

const result = fc.record({ offset: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), epoch: fc.string() });
const error = fc.record({ code: fc.nat(), message: fc.string() });
const publishResponse = fc.oneof(
  result.map((r) => ({ result: r })),
  error.map((e) => ({ error: e })),
);
const batchResponse = fc
  .array(
    fc.oneof(
      result.map((r) => ({ publish: r })),
      error.map((e) => ({ error: e })),
    ),
    { maxLength: 5 },
  )
  .map((replies) => ({ replies }));

test("the publish codec writes publish and batch responses byte for byte as the reflective codec does", () => {
  fc.assert(
    fc.property(fc.oneof(publishResponse, batchResponse), (response) => {
      const method = httpMethod("replies" in response ? "batch" : "publish");
      const ours = publishCodec.encode(method, response);
      const theirs = reflectiveCodec.encode(method, response);
      assert.deepStrictEqual(
        "value" in ours ? ours.value.toString() : ours,
        "value" in theirs ? theirs.value.toString() : theirs,
      );
    }),
    { numRuns: 3000 },
  );
});
