import assert from "node:assert/strict";
import { test } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import fc from "fast-check";
import { PublicationSchema } from "../../gen/centrifugal/centrifuge/protocol/client_pb.js";
import { decodeMapPublication, encodeMapPublication } from "../../src/map-broker/map-publication-codec.js";
import { decodeMapPubSubMessage } from "../../src/map-broker/redis/pubsub-payload.js";

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ""), "hex");
const bytes = fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b));
const text = fc.string({ unit: "grapheme", maxLength: 20 });

test("map changes encode byte for byte as the generated protobuf encoder does", () => {
  fc.assert(
    fc.property(
      bytes,
      fc.option(fc.record({ user: text, client: text }), { nil: undefined }),
      fc.option(fc.dictionary(text, text, { maxKeys: 4 }), { nil: undefined }),
      fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      text,
      fc.boolean(),
      (data, info, tags, time, key, removed) => {
        const expected = toBinary(
          PublicationSchema,
          create(PublicationSchema, {
            data,
            info,
            tags: tags ? { ...tags } : {},
            time: BigInt(time),
            key,
            removed,
          }),
        );
        const got = encodeMapPublication({ data, info, tags, time, key, removed });
        assert.deepEqual(got, Buffer.from(expected));
        const back = decodeMapPublication(got, 7);
        assert.deepEqual([back.key, back.removed, back.time, back.offset], [key, removed, time, 7]);
      },
    ),
    { numRuns: 500 },
  );
});

test("the worked bytes of the interop notes: an update and a removal of k1", () => {
  const update = encodeMapPublication({
    key: "k1",
    removed: false,
    data: Buffer.from('{"x":1}'),
    time: 1700000000000,
  });
  assert.deepEqual(update, hex("22 07 7b 22 78 22 3a 31 7d 48 80 d0 95 ff bc 31 5a 02 6b 31"));
  const removal = encodeMapPublication({
    key: "k1",
    removed: true,
    data: new Uint8Array(),
    time: 1700000000500,
  });
  assert.deepEqual(removal, hex("48 f4 d3 95 ff bc 31 5a 02 6b 31 60 01"));
});

test("PUB/SUB payloads: plain with a position, d: with the previous state value, bare, and garbage", () => {
  const cur = encodeMapPublication({ key: "k1", removed: false, data: Buffer.from("new"), time: 5 });
  const old = encodeMapPublication({ key: "k1", removed: false, data: Buffer.from("old"), time: 4 });
  const plain = decodeMapPubSubMessage(Buffer.concat([Buffer.from("7:AbCdEfGh:"), cur]));
  assert.deepEqual(
    [plain?.position, plain?.pub.offset, plain?.pub.key, plain?.delta],
    [{ offset: 7, epoch: "AbCdEfGh" }, 7, "k1", false],
  );
  const prevValue = Buffer.concat([Buffer.from("6:AbCdEfGh:"), old]);
  const delta = decodeMapPubSubMessage(
    Buffer.concat([
      Buffer.from(`d:7:AbCdEfGh:${prevValue.length}:`),
      prevValue,
      Buffer.from(`:${cur.length}:`),
      cur,
    ]),
  );
  assert.deepEqual(
    [delta?.delta, delta?.position.offset, Buffer.from(delta!.pub.data).toString()],
    [true, 7, "new"],
  );
  assert.deepEqual([delta?.prev?.offset, Buffer.from(delta!.prev!.data).toString()], [6, "old"]);
  const bare = decodeMapPubSubMessage(cur);
  assert.deepEqual([bare?.position, bare?.pub.key], [{ offset: 0, epoch: "" }, "k1"]);
  assert.equal(decodeMapPubSubMessage(Buffer.from("d:7:e:99:short")), undefined);
  assert.equal(decodeMapPubSubMessage(Buffer.from([0xff, 0xff, 0xff])), undefined);
});
