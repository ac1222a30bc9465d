import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";

function secret(): string {
  return randomBytes(24).toString("base64url");
}

/**
 * A starting configuration with fresh secrets, so a first real deployment
 * gets a stable API key and a token key instead of the per-run generated one.
 * Channels without a namespace allow subscribing and keep a short history, so
 * a client with a `gentoken` token can subscribe and recover at once.
 */
function starterConfig(): Record<string, unknown> {
  return {
    http_api: { key: secret() },
    client: {
      token: { hmac_secret_key: secret() },
      allowed_origins: ["http://localhost:8000"],
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
  };
}

/** Writes the starter configuration to `file`; never overwrites an existing file. */
export function writeStarterConfig(file: string): { error?: string } {
  try {
    writeFileSync(file, `${JSON.stringify(starterConfig(), null, 2)}\n`, { flag: "wx" });
    return {};
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      error: code === "EEXIST" ? `${file} already exists; not overwriting it` : (err as Error).message,
    };
  }
}
