import type { StatusTransform } from "../../config/proxy-schema.js";

/** What a transformed status stands for: a response carrying only an error or only a disconnect. */
export type TransformedAnswer =
  | { readonly error: { code: number; message: string; temporary: boolean } }
  | { readonly disconnect: { code: number; reason: string } };

/**
 * `http.status_to_code_transforms`: a non-200 status the backend uses on
 * purpose (404, 403…) read as the error or disconnect the rule names, instead
 * of a transport failure. Statuses without a rule stay failures.
 */
export function createStatusTransforms(
  rules: readonly StatusTransform[],
): (status: number) => TransformedAnswer | undefined {
  const byStatus = new Map<number, TransformedAnswer>();
  for (const rule of rules) {
    if (byStatus.has(rule.status_code)) continue;
    const e = rule.to_error;
    const d = rule.to_disconnect;
    byStatus.set(
      rule.status_code,
      e && e.code !== 0
        ? { error: { code: e.code, message: e.message, temporary: e.temporary } }
        : { disconnect: { code: d?.code ?? 0, reason: d?.reason ?? "" } },
    );
  }
  return (status) => byStatus.get(status);
}
