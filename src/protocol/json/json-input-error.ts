/**
 * Thrown inside the JSON readers when the input is not what is expected; the
 * public entry points catch it and return `{ error }`. `path` collects the
 * field names on the way out so the message can say where the problem is.
 */
export class JsonInputError extends Error {
  readonly path: string[] = [];

  /** `syntax`: the bytes are not JSON, so the byte offset says where and a field path would not help. */
  constructor(
    message: string,
    readonly syntax = false,
  ) {
    super(message);
  }

  /** The message with the field path in front, e.g. `commands[2].publish.channel: expected …`. */
  describe(): string {
    if (this.syntax || this.path.length === 0) return this.message;
    let path = "";
    for (const segment of this.path) path += segment.startsWith("[") || path === "" ? segment : `.${segment}`;
    return `${path}: ${this.message}`;
  }
}

/** Prefixes a failure's path with `segment` as it unwinds through a nested read; other errors pass through. */
export function withPath(err: unknown, segment: string): unknown {
  if (err instanceof JsonInputError) err.path.unshift(segment);
  return err;
}
