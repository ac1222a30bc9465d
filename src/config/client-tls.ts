import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";
import { z } from "zod";

/**
 * TLS towards a server rotor connects to (Redis, a Sentinel, NATS,
 * PostgreSQL), in Centrifugo's shape: PEM text or files.
 */
export const clientTlsSchema = () =>
  z
    .strictObject({
      enabled: z.boolean().default(false),
      cert_pem: z.string().default(""),
      cert_pem_file: z.string().default(""),
      key_pem: z.string().default(""),
      key_pem_file: z.string().default(""),
      server_ca_pem: z.string().default(""),
      server_ca_pem_file: z.string().default(""),
      insecure_skip_verify: z.boolean().default(false),
      server_name: z.string().default(""),
    })
    .prefault({});

/** A `tls` section as parsed. */
export type ClientTlsConfig = z.output<ReturnType<typeof clientTlsSchema>>;

const pem = (text: string, file: string) => text || (file ? readFileSync(file, "utf8") : undefined);

/**
 * Node TLS options from a `tls` section, or undefined when TLS is off;
 * `forced` turns it on whatever the section says (a `rediss://` address).
 */
export function clientTlsOptions(tls: ClientTlsConfig, forced?: boolean): ConnectionOptions | undefined {
  if (!tls.enabled && !forced) return undefined;
  return {
    minVersion: "TLSv1.2",
    cert: pem(tls.cert_pem, tls.cert_pem_file),
    key: pem(tls.key_pem, tls.key_pem_file),
    ca: pem(tls.server_ca_pem, tls.server_ca_pem_file),
    rejectUnauthorized: !tls.insecure_skip_verify,
    servername: tls.server_name || undefined,
  };
}
