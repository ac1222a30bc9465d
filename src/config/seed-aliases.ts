import { setPath } from "./leaves.js";

const toNumber = (v: unknown) => (typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v);

/**
 * Seed-era flat keys (Centrifugo v2 configs) and where they live in the v6 shape.
 * `grpc_api: true` and `"port": "8000"` keep working in old config files.
 */
const aliases: Record<string, (value: unknown) => [string, unknown][]> = {
  grpc_api_port: (v) => [["grpc_api.port", toNumber(v)]],
  grpc_api_key: (v) => [["grpc_api.key", v]],
  api_key: (v) => [["http_api.key", v]],
  api_insecure: (v) => [
    ["http_api.insecure", v],
    ["grpc_api.insecure", v],
  ],
  port: (v) => [["http_server.port", toNumber(v)]],
  address: (v) => [["http_server.address", v]],
};

/** Rewrites seed-era flat keys of a parsed config file into the v6 nested shape. */
export function applySeedAliases(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw };
  if (typeof out.grpc_api === "boolean") out.grpc_api = { enabled: out.grpc_api };
  for (const [key, expand] of Object.entries(aliases)) {
    if (!(key in out)) continue;
    const value = out[key];
    delete out[key];
    for (const [path, v] of expand(value)) setPath(out, path, v);
  }
  return out;
}
