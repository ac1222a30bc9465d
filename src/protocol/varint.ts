/** Bytes needed for `n` as an unsigned varint. */
export function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size += 1;
  }
  return size;
}

/** Writes `n` as an unsigned varint at `offset`; returns the offset after it. */
export function writeVarint(target: Uint8Array, offset: number, n: number): number {
  while (n >= 0x80) {
    target[offset++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  target[offset++] = n;
  return offset;
}

/** Reads an unsigned varint (up to 2^53); undefined when the bytes end first or it is too long. */
export function readVarint(source: Uint8Array, offset: number): { value: number; next: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = offset; i < source.length && i < offset + 8; i++) {
    const byte = source[i]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return { value, next: i + 1 };
    scale *= 128;
  }
  return undefined;
}

/** `message` prefixed with its length, the unit of protobuf framing in the client protocol. */
export function lengthPrefixed(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(varintSize(message.length) + message.length);
  out.set(message, writeVarint(out, 0, message.length));
  return out;
}
