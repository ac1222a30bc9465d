import { z } from "zod";
import { tlsSchema } from "./schema-types.js";

/**
 * The `http_server` listener options of Centrifugo v6.9 beyond address, port
 * and TLS: TLS on the external listener only or its own on the internal one,
 * h2c on the external listener, and the transports rotor refuses by name
 * (HTTP/3, ACME certificates) — see refused-options.ts.
 */
export const listenerShape = () => ({
  /** Main TLS on the external listener only; the internal one stays plain unless `internal_tls.enabled`. */
  tls_external: z.boolean().default(false),
  /** TLS of the internal listener, in place of the main TLS. */
  internal_tls: tlsSchema(),
  /** The external listener serves HTTP/1.1 and cleartext HTTP/2 (rotor's listeners always do). */
  h2c_external: z.boolean().default(false),
  http3: z.strictObject({ enabled: z.boolean().default(false) }).prefault({}),
  tls_autocert: z
    .strictObject({
      enabled: z.boolean().default(false),
      host_whitelist: z.union([z.string(), z.array(z.string())]).default(""),
      cache_dir: z.string().default(""),
      email: z.string().default(""),
      server_name: z.string().default(""),
      http: z.boolean().default(false),
      http_addr: z.string().default(":80"),
    })
    .prefault({}),
});

/** `webtransport.*`: accepted so a config naming it loads; enabling it is refused (it needs HTTP/3). */
export const webtransportSchema = () =>
  z
    .strictObject({
      enabled: z.boolean().default(false),
      handler_prefix: z.string().default("/connection/webtransport"),
      message_size_limit: z.number().int().default(65536),
    })
    .prefault({});
