import { randomBytes } from "node:crypto";
import type { ApiKeyPolicy } from "../api/api-key.js";
import type { Config } from "../config/schema.js";

export interface ApiKeys {
  /** Main port: HTTP JSON API, and Connect / gRPC / gRPC-Web routes. */
  readonly http: ApiKeyPolicy;
  /** The dedicated gRPC API port. */
  readonly grpc: ApiKeyPolicy;
  /** Set when no key was configured and rotor made one; printed once at start-up. */
  readonly generated?: string | undefined;
}

/**
 * Decides who may call the server API, failing closed: only an explicit
 * `insecure` opens a surface. Without any configured key rotor generates one.
 * The gRPC port uses `grpc_api.key`, else the HTTP API key.
 */
export function resolveApiKeys(config: Config): ApiKeys {
  const needsKey = !config.http_api.insecure || (!config.grpc_api.insecure && !config.grpc_api.key);
  const generated = needsKey && !config.http_api.key ? randomBytes(24).toString("base64url") : undefined;
  const httpKey = config.http_api.key || generated || "";
  return {
    http: config.http_api.insecure ? { insecure: true } : { insecure: false, key: httpKey },
    grpc: config.grpc_api.insecure
      ? { insecure: true }
      : { insecure: false, key: config.grpc_api.key || httpKey },
    generated,
  };
}
