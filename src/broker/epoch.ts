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

const epoch = Buffer.alloc(8);

/**
 * A fresh stream epoch: 8 random ASCII letters, as Centrifugo's memory
 * engine makes. The Redis engine sends one with every publish (it is kept
 * only when the stream has none yet), so random bytes come from a pool and
 * the letters become one string.
 */
export function newEpoch(): string {
  for (let i = 0; i < epoch.length; ) {
    const byte = randomByte();
    if (byte < unbiased) epoch[i++] = letters.charCodeAt(byte % letters.length);
  }
  return epoch.toString("latin1");
}
