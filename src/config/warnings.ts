import type { Config } from "./schema.js";
import { validCompressionLevel } from "./websocket-schema.js";

/**
 * What a valid config turns on that deserves a word at start, as Centrifugo
 * warns: options that switch off a safety (anyone may connect, tokens are not
 * checked) and values it replaces with a default.
 */
export function configWarnings(config: Config): string[] {
  const out: string[] = [];
  if (config.client.insecure) {
    out.push(
      "client.insecure is set: any client may connect, subscribe and publish without a token; for development only",
    );
  }
  if (config.client.insecure_skip_token_signature_verify) {
    out.push(
      "client.insecure_skip_token_signature_verify is set: token signatures are not checked, anyone can forge a token; for development only",
    );
  }
  if (config.debug.enabled) {
    out.push(
      `debug.enabled is set: CPU profiles and heap snapshots are served at ${config.debug.handler_prefix} on the internal listener; keep that listener private`,
    );
  }
  const namespaces = [
    ["channel.without_namespace", config.channel.without_namespace],
    ...config.channel.namespaces.map((ns, i) => [`channel.namespaces[${i}]`, ns] as const),
  ] as const;
  for (const [where, ns] of namespaces) {
    if (ns.client_publish_debounce_interval > 0) {
      out.push(
        `${where}.client_publish_debounce_interval: a Centrifugo PRO option; client map publishes are not debounced`,
      );
    }
  }
  for (const key of ["websocket", "uni_websocket"] as const) {
    const level = config[key].compression_level;
    if (config[key].compression && !validCompressionLevel(level)) {
      out.push(`${key}.compression_level: ${level} is not a flate level (-2 to 9): using 1`);
    }
  }
  return out;
}
