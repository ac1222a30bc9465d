const units: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
const part = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;

/**
 * Parses a Go-style duration ("25s", "1h30m", "500ms", "0") into milliseconds,
 * the format Centrifugo configs use. Returns undefined when the text is not one.
 */
export function parseDuration(text: string): number | undefined {
  if (text === "0") return 0;
  let total = 0;
  part.lastIndex = 0;
  while (part.lastIndex < text.length) {
    const start = part.lastIndex;
    const match = part.exec(text);
    if (!match || match.index !== start) return undefined;
    total += Number(match[1]) * units[match[2]!]!;
  }
  return text.length > 0 ? total : undefined;
}
