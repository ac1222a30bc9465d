/** A decimal read exactly: sign, integer digits without leading zeros, fraction digits without trailing zeros. */
interface Decimal {
  readonly negative: boolean;
  readonly integer: string;
  readonly fraction: string;
}

const syntax = /^([+-]?)(\d+)(?:\.(\d{1,19}))?$/;

/**
 * Parses a tag value or filter operand as the numeric comparisons of
 * Centrifugo's tags filter do: optional sign, digits, at most one dot that is
 * neither first nor last, up to 19 fraction digits, no exponent or spaces,
 * at most 200 characters, integers of any size. Undefined when not a number.
 */
export function parseDecimal(text: string): Decimal | undefined {
  if (text.length > 200) return undefined;
  const match = syntax.exec(text);
  if (!match) return undefined;
  const integer = match[2]!.replace(/^0+/, "");
  const fraction = (match[3] ?? "").replace(/0+$/, "");
  const zero = integer === "" && fraction === "";
  return { negative: match[1] === "-" && !zero, integer, fraction };
}

function compareMagnitude(a: Decimal, b: Decimal): number {
  if (a.integer.length !== b.integer.length) return a.integer.length < b.integer.length ? -1 : 1;
  if (a.integer !== b.integer) return a.integer < b.integer ? -1 : 1;
  const width = Math.max(a.fraction.length, b.fraction.length);
  const fa = a.fraction.padEnd(width, "0");
  const fb = b.fraction.padEnd(width, "0");
  return fa === fb ? 0 : fa < fb ? -1 : 1;
}

/** -1, 0 or 1 as `a` is below, equal to or above `b`, exactly (`0.10` equals `0.1`, `-0` equals `0`). */
export function compareDecimals(a: Decimal, b: Decimal): number {
  if (a.negative !== b.negative) return a.negative ? -1 : 1;
  const magnitude = compareMagnitude(a, b);
  return a.negative ? -magnitude : magnitude;
}
