const fnvOffset = 0xcbf29ce484222325n;
const fnvPrime = 0x100000001b3n;
const mask64 = (1n << 64n) - 1n;
const encoder = new TextEncoder();

/** FNV-1a, 64 bits, over the UTF-8 bytes of `text`. */
export function fnv1a64(text: string): bigint {
  let hash = fnvOffset;
  for (const byte of encoder.encode(text)) hash = ((hash ^ BigInt(byte)) * fnvPrime) & mask64;
  return hash;
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
