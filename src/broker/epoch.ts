import { randomFillSync } from "node:crypto";

const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
/** Bytes below this map evenly onto the letters (4 × 52). */
const unbiased = 208;
const pool = Buffer.alloc(1024);
let next = pool.length;

function randomByte(): number {
  if (next === pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  return pool[next++]!;
}

/**
 * A fresh stream epoch: 8 random ASCII letters, as Centrifugo's memory
 * engine makes. The Redis engine sends one with every publish (it is kept
 * only when the stream has none yet), so random bytes come from a pool.
 */
export function newEpoch(): string {
  let out = "";
  while (out.length < 8) {
    const byte = randomByte();
    if (byte < unbiased) out += letters[byte % letters.length];
  }
  return out;
}
