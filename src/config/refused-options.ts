import type { Config } from "./schema.js";

/** One option rotor knows from Centrifugo but will not run, and why. */
interface Refusal {
  readonly key: string;
  readonly set: (config: Config) => boolean;
  readonly why: string;
}

const refusals: readonly Refusal[] = [
  {
    key: "http_server.http3.enabled",
    set: (c) => c.http_server.http3.enabled,
    why: "HTTP/3 (QUIC) needs a QUIC stack that Node.js 20 does not ship",
  },
  {
    key: "webtransport.enabled",
    set: (c) => c.webtransport.enabled,
    why: "WebTransport runs over HTTP/3, which Node.js 20 does not provide",
  },
  {
    key: "http_server.tls_autocert.enabled",
    set: (c) => c.http_server.tls_autocert.enabled,
    why: "rotor does not obtain ACME certificates itself; get them with an ACME client (certbot, Caddy) and set http_server.tls",
  },
  {
    key: "graphite.enabled",
    set: (c) => c.graphite.enabled,
    why: "rotor exports metrics only for Prometheus to scrape (prometheus.enabled)",
  },
  {
    key: "opentelemetry.google_cloud_adc_auth",
    set: (c) => c.opentelemetry.google_cloud_adc_auth,
    why: "rotor exports traces with the standard OTEL_EXPORTER_OTLP_* settings only; give the collector's headers there",
  },
];

/**
 * Centrifugo OSS options rotor accepts by name but cannot run: each one set
 * is refused at start with one line naming the key and the reason, so a
 * config never silently loses a behaviour it asked for.
 */
export function refusedOptions(config: Config): string[] {
  return refusals.filter((r) => r.set(config)).map((r) => `${r.key}: not supported by rotor: ${r.why}`);
}
