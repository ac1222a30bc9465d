const htmlUnsafe = /[<>&\u2028\u2029]/;
const htmlEscapes: Record<string, string> = {
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};

/**
 * A JSON string literal escaped the way Go's `encoding/json` does by default
 * (HTML-safe `<`, `>`, `&` and the JS line separators), so rotor's strings are
 * byte-for-byte what Centrifugo sends.
 */
function jsonStringLiteral(s: string): string {
  const literal = JSON.stringify(s);
  return htmlUnsafe.test(literal) ? literal.replace(/[<>&\u2028\u2029]/g, (c) => htmlEscapes[c]!) : literal;
}

/**
 * An append-only byte buffer for building one JSON response: structure and
 * strings are written as text, payloads are copied in as the bytes they are.
 */
export class JsonWriter {
  private buf: Buffer;
  private len = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  private reserve(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + extra));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  /** ASCII text: punctuation, keys, numbers. */
  ascii(text: string): void {
    this.reserve(text.length);
    this.len += this.buf.write(text, this.len, "latin1");
  }

  /** A string value, quoted and escaped. */
  string(s: string): void {
    const literal = jsonStringLiteral(s);
    this.reserve(literal.length * 3);
    this.len += this.buf.write(literal, this.len, "utf8");
  }

  bytes(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  /** The bytes written so far (a view; the writer is not used afterwards). */
  finish(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}
