import { z } from "zod";
import { duration } from "./schema-types.js";

/** A path prefix: empty, or starting with `/`; a trailing `/` is dropped. */
const prefix = (defaultValue: string) =>
  z
    .string()
    .default(defaultValue)
    .refine((text) => text === "" || text.startsWith("/"), { message: 'must be empty or start with "/"' })
    .transform((text) => text.replace(/\/+$/, ""));

/**
 * The operations options, named and defaulted as in Centrifugo v6: the admin
 * web UI, the Prometheus endpoint, the health check, the node's name and how
 * often it aggregates the metrics it reports in Info, tracing, the API
 * document, profiling and usage statistics.
 */
export const opsSchemaShape = () => ({
  admin: z
    .strictObject({
      enabled: z.boolean().default(false),
      password: z.string().default(""),
      secret: z.string().default(""),
      insecure: z.boolean().default(false),
      handler_prefix: prefix(""),
      web_path: z.string().default(""),
      external: z.boolean().default(false),
    })
    .prefault({}),
  prometheus: z
    .strictObject({
      enabled: z.boolean().default(false),
      handler_prefix: prefix("/metrics"),
      instrument_http_handlers: z.boolean().default(false),
      recovered_publications_histogram: z.boolean().default(false),
      /** Refused when set: prom-client has no native histograms (refused-options.ts). */
      native_histograms: z.boolean().default(false),
    })
    .prefault({}),
  health: z
    .strictObject({ enabled: z.boolean().default(true), handler_prefix: prefix("/health") })
    .prefault({}),
  node: z
    .strictObject({
      /** The node's display name (info, admin, logs); empty: `<hostname>_<port>`. */
      name: z.string().default(""),
      info_metrics_aggregate_interval: duration("60s"),
    })
    .prefault({}),
  opentelemetry: z
    .strictObject({
      enabled: z.boolean().default(false),
      api: z.boolean().default(false),
      consuming: z.boolean().default(false),
      google_cloud_adc_auth: z.boolean().default(false),
    })
    .prefault({}),
  swagger: z
    .strictObject({ enabled: z.boolean().default(false), handler_prefix: prefix("/swagger") })
    .prefault({}),
  debug: z
    .strictObject({ enabled: z.boolean().default(false), handler_prefix: prefix("/debug/pprof") })
    .prefault({}),
  graphite: z
    .strictObject({
      enabled: z.boolean().default(false),
      host: z.string().default("localhost"),
      port: z.number().int().min(0).max(65535).default(2003),
      prefix: z.string().default("centrifugo"),
      interval: duration("10s"),
      tags: z.boolean().default(false),
    })
    .prefault({}),
  /** rotor reports no usage statistics anywhere, so turning them off changes nothing. */
  usage_stats: z.strictObject({ disabled: z.boolean().default(false) }).prefault({}),
});

/**
 * `http_server.internal_port`: a port number or a numeric string (Centrifugo
 * takes a string); empty or absent means no separate internal listener.
 */
export const internalPort = () =>
  z
    .union([z.number().int().min(0).max(65535), z.string().regex(/^\d*$/, "must be a port number")])
    .optional()
    .transform((value) => (value === undefined || value === "" ? undefined : Number(value)));

/**
 * `server.workers`: how many rotor nodes one `rotor` command runs behind its
 * ports (node:cluster), a count or `"auto"` for one per CPU. A Node.js
 * process uses one core; workers are how one machine's cores all serve.
 */
export const serverSchema = () =>
  z
    .strictObject({
      workers: z
        .union([
          z.number().int().min(1),
          z.string().regex(/^(auto|[1-9]\d*)$/, 'must be a number of workers (1 or more) or "auto"'),
        ])
        .default(1)
        .transform((value) => (value === "auto" || typeof value === "number" ? value : Number(value))),
    })
    .prefault({});
