import { enginesWithRole } from "../core/engines.js";
import { checkClientConnection } from "./client-connection-checks.js";
import { checkConsumers } from "./consumers-checks.js";
import { checkMaps } from "./map-checks.js";
import type { ChannelOptions } from "./namespace-schema.js";
import { checkProxyConfig } from "./proxy-checks.js";
import { refusedOptions } from "./refused-options.js";
import type { Config } from "./schema.js";

function checkChannelOptions(where: string, options: ChannelOptions): string[] {
  const out: string[] = [];
  const history = options.history_size > 0 || options.history_ttl > 0;
  if (history && (options.history_size <= 0 || options.history_ttl <= 0)) {
    out.push(`${where}: history_size and history_ttl must be set together`);
  }
  if ((options.force_recovery || options.allow_recovery) && !history) {
    out.push(`${where}: recovery needs history (set history_size and history_ttl)`);
  }
  if (options.auto_cache_recover && !(options.force_recovery && options.force_recovery_mode === "cache")) {
    out.push(`${where}: auto_cache_recover requires force_recovery and force_recovery_mode set to cache`);
  }
  if (options.channel_regex) {
    try {
      new RegExp(options.channel_regex);
    } catch (err) {
      out.push(`${where}.channel_regex: ${(err as Error).message}`);
    }
  }
  return out;
}

/** `h2c_external` needs a separate internal listener and a cleartext external one (Centrifugo's rule). */
function checkListeners(config: Config): string[] {
  const server = config.http_server;
  if (!server.h2c_external) return [];
  const out: string[] = [];
  if (server.internal_port === undefined || server.internal_port === server.port) {
    out.push("http_server.h2c_external: external_h2c requires internal_port set and different from port");
  }
  if (server.tls.enabled) out.push("http_server.h2c_external: external_h2c can not be used with tls enabled");
  return out;
}

/** Rules that span several options; returns one message per violation. */
export function checkConfig(config: Config): string[] {
  const out = checkChannelOptions("channel.without_namespace", config.channel.without_namespace);
  const seen = new Set<string>();
  config.channel.namespaces.forEach((ns, i) => {
    if (seen.has(ns.name)) out.push(`channel.namespaces[${i}].name: duplicate namespace "${ns.name}"`);
    seen.add(ns.name);
    out.push(...checkChannelOptions(`channel.namespaces[${i}]`, ns));
  });
  for (const [where, tls] of [
    ["http_server.tls", config.http_server.tls],
    ["http_server.internal_tls", config.http_server.internal_tls],
    ["grpc_api.tls", config.grpc_api.tls],
    ["uni_grpc.tls", config.uni_grpc.tls],
  ] as const) {
    if (tls.enabled && !(tls.cert_pem || tls.cert_pem_file) !== !(tls.key_pem || tls.key_pem_file)) {
      out.push(`${where}: set both a certificate and a key`);
    } else if (tls.enabled && !(tls.cert_pem || tls.cert_pem_file)) {
      out.push(`${where}: enabled without a certificate (cert_pem or cert_pem_file) and key`);
    }
  }
  if (config.broker.enabled && config.broker.type === "postgres" && !config.broker.postgres.dsn) {
    out.push("broker.postgres.dsn: postgres stream broker: DSN is required");
  }
  if (config.map_broker.type === "postgres" && !config.map_broker.postgres.dsn) {
    out.push("map_broker.postgres.dsn: postgres map broker: DSN is required");
  }
  const controllers: readonly string[] = enginesWithRole("controller");
  if (config.controller.enabled && !controllers.includes(config.controller.type)) {
    out.push(
      `controller.type: unknown controller type: "${config.controller.type}" (rotor runs ${controllers.join(", ")})`,
    );
  }
  out.push(...checkProxyConfig(config));
  out.push(...checkConsumers(config.consumers));
  out.push(...checkMaps(config));
  out.push(...checkClientConnection(config));
  out.push(...checkListeners(config));
  out.push(...refusedOptions(config));
  const admin = config.admin;
  if (admin.enabled && !admin.insecure && (!admin.password || !admin.secret)) {
    out.push("admin: enabled without both password and secret (set them, or admin.insecure for no login)");
  }
  return out;
}
