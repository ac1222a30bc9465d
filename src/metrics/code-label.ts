/** The label value of every code outside its documented range. */
export const otherCode = "other";

/**
 * Documented code ranges (Centrifugo's): reply errors are 100–199 (the
 * server's) or 400–1999 (applications'); unsubscribes 2000–2999;
 * disconnects 3000–4999.
 */
const ranges = {
  error: [
    [100, 199],
    [400, 1999],
  ],
  unsubscribe: [[2000, 2999]],
  disconnect: [[3000, 4999]],
} as const;

/**
 * A backend-chosen code as a metric label: the code itself inside its
 * documented range, `other` outside it. Codes come from proxies and API
 * callers; as label values verbatim, 5,000 random ones would make 5,000 series.
 */
export function codeLabel(kind: keyof typeof ranges, code: number): string {
  return ranges[kind].some(([low, high]) => code >= low && code <= high) ? String(code) : otherCode;
}
