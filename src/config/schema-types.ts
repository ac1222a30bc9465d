import { z } from "zod";
import { parseDuration } from "./duration.js";

/** A duration option: a Go-style string in the file, milliseconds once parsed. */
export function duration(defaultValue: string) {
  return z
    .string()
    .default(defaultValue)
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined) {
        ctx.addIssue({
          code: "custom",
          message: `"${text}" is not a duration (examples: "25s", "1h30m", "500ms")`,
        });
        return z.NEVER;
      }
      return ms;
    });
}

/** A TCP port number. */
export const port = (defaultValue: number) => z.number().int().min(0).max(65535).default(defaultValue);

/** TLS material: PEM text or a file path, as in Centrifugo's TLS config. */
export const tlsSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    cert_pem: z.string().default(""),
    key_pem: z.string().default(""),
    cert_pem_file: z.string().default(""),
    key_pem_file: z.string().default(""),
  })
  .prefault({});
