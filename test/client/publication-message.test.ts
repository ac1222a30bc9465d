import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { jsonCodec } from "../../src/protocol/json-codec.js";
import { encodePublicationMessage, PayloadForm } from "../../src/protocol/publication-message.js";

const text = fc.string({ unit: "grapheme", maxLength: 20 });
/** A channel name: never empty (an empty one is refused before anything is published). */
const channelName = fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 });
const json = fc.jsonValue({ maxDepth: 2 }).map((v) => Buffer.from(JSON.stringify(v)));
const sortedTags = fc
  .dictionary(text, text, { maxKeys: 4 })
  .map((tags) => Object.fromEntries(Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));

test("the hand-written JSON publication push says what the generic encoder says, map fields included", () => {
  fc.assert(
    fc.property(
      channelName,
      json,
      fc.option(fc.record({ user: text, client: text }), { nil: undefined }),
      fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      fc.option(sortedTags, { nil: undefined }),
      fc.record({ key: text, removed: fc.boolean() }),
      text,
      fc.boolean(),
      (channel, data, info, offset, tags, keyed, epoch, uni) => {
        const pub = { data, info, offset, tags, time: 1, ...keyed };
        const got = encodePublicationMessage(jsonCodec, uni, channel, pub, PayloadForm.Plain, data, epoch);
        const message = { data, info, offset: BigInt(offset), tags: tags ?? {}, ...keyed, epoch };
        const expected = uni
          ? jsonCodec.encodePush({ channel, pub: message })
          : jsonCodec.encodeReply({ push: { channel, pub: message } });
        // The same members in the same order with the same values (string escapes may differ: `&` or `\u0026`).
        const canonical = (bytes: Uint8Array) => JSON.stringify(JSON.parse(Buffer.from(bytes).toString()));
        assert.equal(canonical(got), canonical(expected));
      },
    ),
    { numRuns: 500 },
  );
});
