const simpleEscapes: Record<number, string> = {
  34: '"',
  92: "\\",
  47: "/",
  98: "\b",
  102: "\f",
  110: "\n",
  114: "\r",
  116: "\t",
};

/** Whether `\<b>` is one of JSON's one-character escapes. */
export function isSimpleEscape(b: number): boolean {
  return simpleEscapes[b] !== undefined;
}

/** The value of a hex digit, or -1. */
export function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  const lower = b | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -1;
}

function hex4(bytes: Buffer, at: number): number {
  let value = 0;
  for (let i = 0; i < 4; i++) value = value * 16 + hexValue(bytes[at + i]!);
  return value;
}

/**
 * The text of a JSON string with escapes, already validated, between its
 * quotes (`start` after the opening one, `close` at the closing one). As in
 * Go, a lone surrogate escape becomes U+FFFD and invalid UTF-8 does too.
 */
export function unescapeJsonString(bytes: Buffer, start: number, close: number): string {
  let out = "";
  let run = start;
  let pos = start;
  while (pos < close) {
    if (bytes[pos] !== 0x5c) {
      pos++;
      continue;
    }
    out += bytes.toString("utf8", run, pos);
    const e = bytes[pos + 1]!;
    if (e !== 0x75) {
      out += simpleEscapes[e];
      pos += 2;
    } else {
      const unit = hex4(bytes, pos + 2);
      pos += 6;
      if (unit < 0xd800 || unit > 0xdfff) {
        out += String.fromCharCode(unit);
      } else if (unit <= 0xdbff && bytes[pos] === 0x5c && bytes[pos + 1] === 0x75) {
        const low = hex4(bytes, pos + 2);
        const paired = low >= 0xdc00 && low <= 0xdfff;
        out += paired ? String.fromCharCode(unit, low) : "\ufffd";
        if (paired) pos += 6;
      } else {
        out += "\ufffd";
      }
    }
    run = pos;
  }
  return out + bytes.toString("utf8", run, close);
}
