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
 * Builds one JSON document: structure and strings are gathered as text and
 * encoded in one go (one native call per stretch of text, not one per
 * punctuation mark or key), payloads are put in as the bytes they are.
 */
export class JsonWriter {
  /** Text written since the last payload. */
  private text = "";
  /** Encoded text and payloads, in order, once a payload has been written. */
  private parts: Uint8Array[] | undefined;

  /** ASCII text: punctuation, keys, numbers. */
  ascii(text: string): void {
    this.text += text;
  }

  /** A string value, quoted and escaped. */
  string(s: string): void {
    this.text += jsonStringLiteral(s);
  }

  bytes(bytes: Uint8Array): void {
    this.parts ??= [];
    if (this.text !== "") this.parts.push(Buffer.from(this.text, "utf8"));
    this.parts.push(bytes);
    this.text = "";
  }

  /** The document written (the writer is not used afterwards). */
  finish(): Buffer {
    const tail = Buffer.from(this.text, "utf8");
    if (!this.parts) return tail;
    this.parts.push(tail);
    return Buffer.concat(this.parts);
  }
}
