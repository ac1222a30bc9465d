import { randomBytes } from "node:crypto";
import { writeConfigFile } from "./file-format.js";

/** A fresh random secret, URL-safe. */
export function newSecret(bytes = 24): string {
  return randomBytes(bytes).toString("base64url");
}

/**
 * A starting configuration with fresh secrets, so a first real deployment
 * gets a stable API key and a token key instead of the per-run generated one.
 * Channels without a namespace allow subscribing and keep a short history, so
 * a client with a `gentoken` token can subscribe and recover at once. The
 * admin UI has its password and secret but stays off until enabled, as in
 * Centrifugo's generated config.
 */
export function starterConfig(
  options: { adminEnabled?: boolean; port?: number | undefined } = {},
): Record<string, unknown> {
  return {
    ...(options.port === undefined ? {} : { http_server: { port: options.port } }),
    http_api: { key: newSecret() },
    client: {
      token: { hmac_secret_key: newSecret() },
      allowed_origins: [`http://localhost:${options.port ?? 8000}`],
    },
    channel: {
      without_namespace: {
        allow_subscribe_for_client: true,
        presence: true,
        join_leave: true,
        history_size: 100,
        history_ttl: "300s",
        allow_recovery: true,
      },
    },
    admin: { enabled: options.adminEnabled ?? false, password: newSecret(16), secret: newSecret() },
  };
}

/** Writes the starter configuration to `file` (JSON, YAML or TOML by extension); never overwrites. */
export function writeStarterConfig(
  file: string,
  options: { adminEnabled?: boolean; port?: number | undefined } = {},
): { error?: string } {
  return writeConfigFile(file, starterConfig(options));
}
