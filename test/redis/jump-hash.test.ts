import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { fnv1a64, shardIndex } from "../../src/redis/jump-hash.js";

// Centrifugo's vectors: jump(FNV-1a-64(channel), N) for N = 1, 2, 3, 4, 5, 8, 16.
const vectors: [string, bigint | undefined, number[]][] = [
  ["chat:index", 0x4e648ca6baf3d6b9n, [0, 0, 0, 0, 0, 0, 0]],
  ["news", 0xe5495bbaa03a6526n, [0, 1, 2, 3, 3, 3, 3]],
  ["user#42", 0xb99d91a5089d7a45n, [0, 1, 2, 2, 2, 2, 13]],
  ["a", undefined, [0, 1, 2, 2, 2, 2, 12]],
  ["", undefined, [0, 1, 1, 1, 1, 1, 13]],
];

test("channels map to the Redis shard Centrifugo picks for them", () => {
  for (const [channel, fnv, shards] of vectors) {
    if (fnv !== undefined) assert.equal(fnv1a64(channel), fnv, channel);
    assert.deepEqual(
      [1, 2, 3, 4, 5, 8, 16].map((n) => shardIndex(channel, n)),
      shards,
      JSON.stringify(channel),
    );
  }
});

test("FNV-1a-64 in 32-bit halves equals the BigInt definition for any text", () => {
  const bigFnv = (text: string) => {
    let hash = 0xcbf29ce484222325n;
    for (const byte of new TextEncoder().encode(text))
      hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & ((1n << 64n) - 1n);
    return hash;
  };
  fc.assert(
    fc.property(fc.string({ unit: "grapheme", maxLength: 40 }), (text) => {
      assert.equal(fnv1a64(text), bigFnv(text));
    }),
    { numRuns: 1000 },
  );
});
