import assert from "node:assert/strict";
import { test } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import fc from "fast-check";
import { PublicationSchema } from "../../gen/centrifugal/centrifuge/protocol/client_pb.js";
import { decodePublication, encodePublication } from "../../src/broker/publication-codec.js";

const bytes = fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b));
const text = fc.string({ unit: "grapheme", maxLength: 20 });
const info = fc.record({
  user: text,
  client: text,
  connInfo: fc.option(bytes, { nil: undefined }),
  chanInfo: fc.option(bytes, { nil: undefined }),
});

test("publications (with a version or none) encode byte for byte as the generated protobuf encoder does", () => {
  fc.assert(
    fc.property(
      bytes,
      fc.option(info, { nil: undefined }),
      fc.option(fc.dictionary(text, text, { maxKeys: 4 }), { nil: undefined }),
      fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      fc.boolean(),
      fc.oneof(fc.constant(0), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })),
      (data, who, tags, time, delta, version) => {
        const expected = toBinary(
          PublicationSchema,
          create(PublicationSchema, {
            data,
            info: who && {
              user: who.user,
              client: who.client,
              connInfo: who.connInfo ?? new Uint8Array(),
              chanInfo: who.chanInfo ?? new Uint8Array(),
            },
            tags: tags ? { ...tags } : {},
            delta,
            time: BigInt(time),
            version: BigInt(version),
          }),
        );
        const got = encodePublication(data, who, tags, time, delta, version);
        assert.deepEqual(Buffer.from(got), Buffer.from(expected));
        const decoded = decodePublication(got, 1).pub;
        assert.equal(decoded.time, time);
        assert.equal(decoded.version, version === 0 ? undefined : version);
      },
    ),
    { numRuns: 500 },
  );
});
