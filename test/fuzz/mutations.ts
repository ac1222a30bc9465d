import fc from "fast-check";

type Mutation = (bytes: Uint8Array) => Uint8Array;

const jsonPunctuation = Buffer.from('{}[]":,\\ 0-e.nu');

/** Damage of the kinds broken clients and attackers cause, each a pure function of the bytes. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 12, arbitrary: fc.constant((bytes: Uint8Array) => bytes) },
  fc.nat().map(
    (at): Mutation =>
      (bytes) =>
        bytes.subarray(0, at % (bytes.length + 1)),
  ),
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(
    ([at, mask]): Mutation =>
      (bytes) => {
        if (bytes.length === 0) return bytes;
        const copy = Buffer.from(bytes);
        copy[at % copy.length]! ^= mask;
        return copy;
      },
  ),
  fc.tuple(fc.nat(), fc.nat()).map(
    ([at, pick]): Mutation =>
      (bytes) => {
        if (bytes.length === 0) return bytes;
        const copy = Buffer.from(bytes);
        copy[at % copy.length] = jsonPunctuation[pick % jsonPunctuation.length]!;
        return copy;
      },
  ),
  fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(
    ([at, extra]): Mutation =>
      (bytes) => {
        const cut = at % (bytes.length + 1);
        return Buffer.concat([bytes.subarray(0, cut), extra, bytes.subarray(cut)]);
      },
  ),
  fc.constant((bytes: Uint8Array) => Buffer.concat([bytes, bytes])),
  fc.uint8Array({ maxLength: 64 }).map(
    (garbage): Mutation =>
      () =>
        garbage,
  ),
);

/**
 * The bytes as generated most of the time, otherwise cut, bit-flipped, given
 * stray JSON punctuation, spliced, doubled, or replaced by garbage.
 */
export function mutated(bytes: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc.tuple(bytes, mutation).map(([value, damage]) => damage(value));
}

/**
 * `count` values of an arbitrary, generated in chunks from `seed` so that a run
 * of a million costs no more memory than one of a thousand, and the same seed
 * always gives the same values.
 */
export function* samples<T>(arb: fc.Arbitrary<T>, seed: number, count: number, chunk = 500): Generator<T> {
  for (let done = 0, round = 0; done < count; round++) {
    const n = Math.min(chunk, count - done);
    yield* fc.sample(arb, { seed: seed + round, numRuns: n });
    done += n;
  }
}
