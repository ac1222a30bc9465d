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

/** A count where Centrifugo reads 0 as "the default" (its defaults replace zero values). */
export const countOrDefault = (defaultValue: number) =>
  z
    .number()
    .int()
    .min(0)
    .default(defaultValue)
    .transform((n) => n || defaultValue);

/** A duration where 0 means the default, as Centrifugo's defaults replace zero values. */
export const periodOrDefault = (defaultValue: string) =>
  duration(defaultValue).transform((ms) => ms || (parseDuration(defaultValue) as number));

/** A TCP port number. */
export const port = (defaultValue: number) => z.number().int().min(0).max(65535).default(defaultValue);

/**
 * TLS material: PEM text or a file path, as in Centrifugo's TLS config.
 * `client_ca_pem` makes the listener ask for and verify client certificates
 * (mutual TLS). `server_ca_pem`, `insecure_skip_verify` and `server_name`
 * configure the client side of a connection in Centrifugo's shared TLS type;
 * a listener has no use for them, so they are accepted and change nothing.
 */
export const tlsSchema = () =>
  z
    .strictObject({
      enabled: z.boolean().default(false),
      cert_pem: z.string().default(""),
      key_pem: z.string().default(""),
      cert_pem_file: z.string().default(""),
      key_pem_file: z.string().default(""),
      client_ca_pem: z.string().default(""),
      server_ca_pem: z.string().default(""),
      insecure_skip_verify: z.boolean().default(false),
      server_name: z.string().default(""),
    })
    .prefault({});

/** A duration that may be negative (`-1s` turns the option off, as in Centrifugo); milliseconds once parsed. */
export function signedDuration(defaultValue: string) {
  return z
    .string()
    .default(defaultValue)
    .transform((text, ctx) => {
      const negative = text.startsWith("-");
      const ms = parseDuration(negative ? text.slice(1) : text);
      if (ms === undefined) {
        ctx.addIssue({
          code: "custom",
          message: `"${text}" is not a duration (examples: "25s", "-1s", "500ms")`,
        });
        return z.NEVER;
      }
      return negative ? -ms : ms;
    });
}
