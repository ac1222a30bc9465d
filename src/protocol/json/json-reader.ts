import { JsonInputError } from "./json-input-error.js";
import { hexValue, isSimpleEscape, unescapeJsonString } from "./json-strings.js";

/**
 * How deep objects and arrays may nest, payloads included: deep enough for any
 * real message, shallow enough that hostile input cannot exhaust the stack.
 */
const maxJsonDepth = 128;

const quote = 0x22;
const backslash = 0x5c;

function isWhitespace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}

/**
 * A cursor over JSON bytes (RFC 8259, strict): it reads strings and numbers
 * where a decoder expects them and validates and skips everything else, so
 * payloads can be taken as byte spans of the input without building values.
 */
export class JsonReader {
  pos = 0;
  readonly end: number;
  /** Whether the last string skipped had escapes. */
  private escaped = false;

  constructor(readonly bytes: Buffer) {
    this.end = bytes.length;
  }

  fail(problem: string): never {
    throw new JsonInputError(
      this.pos >= this.end
        ? `invalid JSON: unexpected end of input${problem ? ` (${problem})` : ""}`
        : `invalid JSON at byte ${this.pos}: ${problem}`,
      true,
    );
  }

  /** The next significant byte, or -1 at the end of input; whitespace is consumed. */
  peek(): number {
    const bytes = this.bytes;
    while (this.pos < this.end && isWhitespace(bytes[this.pos]!)) this.pos++;
    return this.pos < this.end ? bytes[this.pos]! : -1;
  }

  private unexpected(): never {
    const b = this.bytes[this.pos];
    return this.fail(b === undefined ? "" : `unexpected character ${JSON.stringify(String.fromCharCode(b))}`);
  }

  private expect(byte: number): void {
    if (this.peek() !== byte) this.unexpected();
    this.pos++;
  }

  /** Consumes the opening byte of an object or array; true when a first item follows. */
  private open(opening: number, closing: number): boolean {
    this.expect(opening);
    if (this.peek() !== closing) return true;
    this.pos++;
    return false;
  }

  /** After an item: true when another follows (`,`), false after the closing byte. */
  private next(closing: number): boolean {
    const b = this.peek();
    this.pos++;
    if (b === 0x2c) return true;
    if (b === closing) return false;
    this.pos--;
    return this.unexpected();
  }

  /** Consumes `{`; true when the object has a first member. */
  openObject(): boolean {
    return this.open(0x7b, 0x7d);
  }

  /** After a member: true when another follows, false after the closing `}`. */
  nextMember(): boolean {
    return this.next(0x7d);
  }

  /** A member's key and its `:`. */
  readKey(): string {
    if (this.peek() !== quote) this.fail("object key expected");
    const key = this.readString();
    this.expect(0x3a);
    return key;
  }

  /** Consumes `[`; true when the array has a first element. */
  openArray(): boolean {
    return this.open(0x5b, 0x5d);
  }

  /** After an element: true when another follows, false after the closing `]`. */
  nextElement(): boolean {
    return this.next(0x5d);
  }

  /** Consumes the literal `true`, `false` or `null` starting at the cursor. */
  literal(word: "true" | "false" | "null"): void {
    for (let i = 0; i < word.length; i++) {
      if (this.bytes[this.pos] !== word.charCodeAt(i)) this.unexpected();
      this.pos++;
    }
  }

  /** A string value; invalid UTF-8 and lone surrogates become U+FFFD, as in Go. */
  readString(): string {
    const start = this.pos + 1;
    const close = this.skipString();
    return this.escaped
      ? unescapeJsonString(this.bytes, start, close)
      : this.bytes.toString("utf8", start, close);
  }

  private hex4(at: number): void {
    for (let i = 0; i < 4; i++) {
      if (hexValue(this.bytes[at + i] ?? -1) < 0) this.failAt(at - 2, "invalid \\u escape in string");
    }
  }

  /**
   * Validates the number at the cursor and moves past it; returns whether it
   * is an integer literal (no fraction, no exponent).
   */
  skipNumber(): boolean {
    const bytes = this.bytes;
    let pos = this.pos;
    if (bytes[pos] === 0x2d) pos++;
    if (bytes[pos] === 0x30) pos++;
    else if (isDigit(bytes[pos] ?? -1)) while (isDigit(bytes[pos] ?? -1)) pos++;
    else return this.failAt(pos, "invalid number");
    let integer = true;
    if (bytes[pos] === 0x2e) {
      integer = false;
      pos++;
      if (!isDigit(bytes[pos] ?? -1)) return this.failAt(pos, "invalid number");
      while (isDigit(bytes[pos] ?? -1)) pos++;
    }
    if (bytes[pos] === 0x65 || bytes[pos] === 0x45) {
      integer = false;
      pos++;
      if (bytes[pos] === 0x2b || bytes[pos] === 0x2d) pos++;
      if (!isDigit(bytes[pos] ?? -1)) return this.failAt(pos, "invalid number");
      while (isDigit(bytes[pos] ?? -1)) pos++;
    }
    this.pos = pos;
    return integer;
  }

  private failAt(pos: number, problem: string): never {
    this.pos = pos;
    return this.fail(problem);
  }

  /** Validates one value of any kind (leading whitespace allowed) and moves past it. */
  skipValue(depth: number): void {
    const b = this.peek();
    if (b === quote) {
      this.skipString();
    } else if (b === 0x7b) {
      this.checkDepth(depth);
      for (let more = this.openObject(); more; more = this.nextMember()) {
        this.readKey();
        this.skipValue(depth + 1);
      }
    } else if (b === 0x5b) {
      this.checkDepth(depth);
      for (let more = this.openArray(); more; more = this.nextElement()) this.skipValue(depth + 1);
    } else if (b === 0x74) {
      this.literal("true");
    } else if (b === 0x66) {
      this.literal("false");
    } else if (b === 0x6e) {
      this.literal("null");
    } else if (b === 0x2d || isDigit(b)) {
      this.skipNumber();
    } else {
      this.unexpected();
    }
  }

  checkDepth(depth: number): void {
    if (depth >= maxJsonDepth) this.fail(`nesting deeper than ${maxJsonDepth} levels`);
  }

  /**
   * Validates the string at the cursor (its opening quote) and moves past it;
   * returns the index of the closing quote and notes whether it has escapes.
   */
  private skipString(): number {
    const bytes = this.bytes;
    let pos = this.pos + 1;
    this.escaped = false;
    for (;;) {
      const b = bytes[pos];
      if (b === undefined) this.failAt(pos, "unterminated string");
      if (b === quote) break;
      if (b < 0x20) this.failAt(pos, "control character in string");
      if (b !== backslash) {
        pos++;
        continue;
      }
      this.escaped = true;
      const e = bytes[pos + 1];
      if (e === 0x75) {
        this.hex4(pos + 2);
        pos += 6;
      } else {
        if (!isSimpleEscape(e ?? -1)) this.failAt(pos, "invalid escape in string");
        pos += 2;
      }
    }
    this.pos = pos + 1;
    return pos;
  }

  /** Fails unless only whitespace is left. */
  expectEnd(): void {
    if (this.peek() !== -1) this.fail("unexpected data after the JSON value");
  }
}
