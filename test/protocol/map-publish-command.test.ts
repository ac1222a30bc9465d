import assert from "node:assert/strict";
import { test } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import fc from "fast-check";
import { CommandSchema } from "../../gen/centrifugal/centrifuge/protocol/client_pb.js";
import { jsonCodec } from "../../src/protocol/json-codec.js";
import { protobufCodec } from "../../src/protocol/protobuf-codec.js";
import { lengthPrefixed } from "../../src/protocol/varint.js";

const publishArb = fc.record({
  id: fc.integer({ min: 1, max: 2 ** 32 - 1 }),
  channel: fc.string({ maxLength: 30 }),
  key: fc.string({ maxLength: 30 }),
  type: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  removed: fc.boolean(),
  data: fc.option(fc.json({ maxDepth: 2 }), { nil: undefined }),
});

test("a publish command's map fields (type, key, removed) decode alike from JSON and protobuf frames", () => {
  fc.assert(
    fc.property(publishArb, ({ id, channel, key, type, removed, data }) => {
      const publish: Record<string, unknown> = { channel, key, type, removed };
      const text = `{"id":${id},"publish":{${[
        ...Object.entries(publish).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`),
        ...(data === undefined ? [] : [`"data":${data}`]),
      ].join(",")}}}`;
      const bytes = data === undefined ? new Uint8Array(0) : Buffer.from(data);
      const binary = lengthPrefixed(
        toBinary(
          CommandSchema,
          create(CommandSchema, { id, publish: { channel, key, type, removed, data: bytes } }),
        ),
      );
      const fromJson = jsonCodec.decodeCommands(Buffer.from(text));
      const fromProtobuf = protobufCodec.decodeCommands(binary);
      assert.ok("commands" in fromJson && "commands" in fromProtobuf);
      for (const [command] of [fromJson.commands, fromProtobuf.commands]) {
        assert.equal(command?.id, id);
        assert.equal(command?.publish?.channel, channel);
        assert.equal(command?.publish?.key, key);
        assert.equal(command?.publish?.type, type);
        assert.equal(command?.publish?.removed, removed);
        assert.equal(Buffer.from(command?.publish?.data ?? []).toString(), data ?? "");
      }
    }),
    { numRuns: 300 },
  );
});
