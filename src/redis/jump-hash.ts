import { hasNonAscii } from "./encoded-command.js";

const mask64 = (1n << 64n) - 1n;
const encoder = new TextEncoder();
const two32 = 2 ** 32;

/**
 * FNV-1a, 64 bits, over the UTF-8 bytes of `text`. It runs for every
 * publish on a sharded setup, so the 64-bit product is taken in two 32-bit
 * halves (prime = 2^40 + 0x1b3) instead of in BigInts.
 */
export function fnv1a64(text: string): bigint {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  const bytes = hasNonAscii(text) ? encoder.encode(text) : undefined;
  const length = bytes ? bytes.length : text.length;
  for (let i = 0; i < length; i++) {
    lo = (lo ^ (bytes ? bytes[i]! : text.charCodeAt(i))) >>> 0;
    const low = lo * 0x1b3;
    hi = (hi * 0x1b3 + ((lo << 8) >>> 0) + Math.floor(low / two32)) >>> 0;
    lo = low >>> 0;
  }
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/**
 * Jump consistent hash (Lamping & Veach) of a 64-bit key into `buckets`,
 * with the float arithmetic Centrifugo's Go code uses, so rotor and
 * Centrifugo nodes put a channel on the same Redis shard.
 */
export function jumpHash(key: bigint, buckets: number): number {
  let b = -1;
  let j = 0;
  while (j < buckets) {
    b = j;
    key = (key * 2862933555777941757n + 1n) & mask64;
    j = Math.floor((b + 1) * (2 ** 31 / (Number(key >> 33n) + 1)));
  }
  return b;
}

/** The shard of a channel among `shards` independent Redis setups (Centrifugo's client-side sharding). */
export function shardIndex(channel: string, shards: number): number {
  return shards <= 1 ? 0 : jumpHash(fnv1a64(channel), shards);
}
