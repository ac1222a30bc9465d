import { configLeaves, type LeafKind, readLeafText } from "./leaves.js";

/** Short flags kept from Centrifugo's and the seed's command lines, and the options they set. */
const shortcuts: Record<string, { paths: string[]; kind: LeafKind; short?: string; text: string }> = {
  port: { paths: ["http_server.port"], kind: "number", short: "p", text: "main port (default 8000)" },
  address: {
    paths: ["http_server.address"],
    kind: "string",
    short: "a",
    text: "address to bind (default all)",
  },
  internal_port: {
    paths: ["http_server.internal_port"],
    kind: "json",
    text: "port of the internal listener",
  },
  grpc_api: { paths: ["grpc_api.enabled"], kind: "boolean", text: "open the dedicated gRPC API port" },
  grpc_api_port: { paths: ["grpc_api.port"], kind: "number", text: "its port (default 10000)" },
  api_key: {
    paths: ["http_api.key", "grpc_api.key"],
    kind: "string",
    text: "API key of the HTTP and gRPC APIs",
  },
  api_insecure: {
    paths: ["http_api.insecure", "grpc_api.insecure"],
    kind: "boolean",
    text: "serve the API without a key",
  },
  log_level: { paths: ["log.level"], kind: "string", text: "trace, debug, info, warn, error, none" },
  workers: {
    paths: ["server.workers"],
    kind: "string",
    text: 'rotor nodes sharing the ports: a number or "auto" (one per CPU); needs Redis, NATS, or PostgreSQL with its controller',
  },
};

/** How one flag is read: its node:util parseArgs type and, for help, what it sets. */
export interface FlagSpec {
  readonly type: "string" | "boolean";
  readonly short?: string;
  readonly text: string;
}

/** The short option flags with their help lines (every `--<option.path>` is accepted too). */
export const shortOptionFlags: ReadonlyMap<string, FlagSpec> = new Map(
  Object.entries(shortcuts).map(([name, s]) => [
    name,
    {
      type: s.kind === "boolean" ? "boolean" : "string",
      text: s.text,
      ...(s.short ? { short: s.short } : {}),
    },
  ]),
);

/** Every flag that sets a config option: the short ones and `--<option.path>` for each option. */
export const optionFlagTypes: ReadonlyMap<string, "string" | "boolean"> = new Map([
  ...[...shortOptionFlags].map(([name, spec]) => [name, spec.type] as const),
  ...[...configLeaves].map(([path, kind]) => [path, kind === "boolean" ? "boolean" : "string"] as const),
]);

/**
 * Reads one option flag's value (`true` for a bare boolean flag) into the
 * option paths it sets, or says why the value does not fit.
 */
export function readOptionFlag(
  name: string,
  value: string | true,
): { set: [string, unknown][] } | { error: string } {
  const shortcut = shortcuts[name];
  const paths = shortcut?.paths ?? [name];
  const kind = shortcut?.kind ?? configLeaves.get(name);
  if (!kind) return { error: `unknown flag --${name}` };
  if (value === true && kind !== "boolean") return { error: `flag --${name} needs a value` };
  const read = readLeafText(kind, value === true ? "true" : value);
  if ("error" in read) return { error: `--${name}: ${read.error}` };
  return { set: paths.map((path) => [path, read.value]) };
}
