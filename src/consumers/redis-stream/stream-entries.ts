/** One stream entry: its id and its fields, the first value of a field name winning. */
export interface StreamEntry {
  readonly id: string;
  readonly fields: ReadonlyMap<string, Buffer>;
}

/**
 * Entries from an XREADGROUP (RESP2: `[[stream, [[id, [f, v, …]], …]]]`) or
 * XAUTOCLAIM (`[next, [[id, [f, v, …]], …], …]`) reply read as buffers. An
 * entry deleted from the stream while pending comes back without fields
 * (`null`); it is returned with none, to be acknowledged and forgotten.
 */
export function readEntries(raw: unknown): StreamEntry[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((item) => {
    const [id, flat] = item as [Buffer, Buffer[] | null];
    const fields = new Map<string, Buffer>();
    for (let i = 0; flat && i + 1 < flat.length; i += 2) {
      const name = flat[i]!.toString();
      if (!fields.has(name)) fields.set(name, flat[i + 1]!);
    }
    return { id: id.toString(), fields };
  });
}
