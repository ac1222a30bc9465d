import { configLeaves, readLeafText } from "./leaves.js";

/** Short flags kept from Centrifugo's command line, and the options they set. */
const shortcuts: Record<string, string[]> = {
  port: ["http_server.port"],
  address: ["http_server.address"],
  grpc_api: ["grpc_api.enabled"],
  grpc_api_port: ["grpc_api.port"],
  api_key: ["http_api.key", "grpc_api.key"],
  api_insecure: ["http_api.insecure", "grpc_api.insecure"],
  log_level: ["log.level"],
};

export interface ParsedArgs {
  readonly command: string | undefined;
  readonly positionals: string[];
  readonly configFile: string | undefined;
  /** Options set by flags, as [path, value]. */
  readonly flags: [string, unknown][];
  /** Flags of subcommands (`--user`, `--ttl`…), kept as text. */
  readonly extra: Map<string, string>;
  readonly help: boolean;
}

/**
 * Reads the command line: an optional subcommand, `--config FILE`, Centrifugo's
 * short flags, and `--<option.path> value` for every config option.
 */
export function parseArgs(
  argv: readonly string[],
  extraNames: ReadonlySet<string>,
): ParsedArgs | { error: string } {
  const positionals: string[] = [];
  const flags: [string, unknown][] = [];
  const extra = new Map<string, string>();
  let configFile: string | undefined;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    const [rawName, inline] = arg.replace(/^--?/, "").split(/=(.*)/s, 2) as [string, string | undefined];
    if (rawName === "help" || rawName === "h") {
      help = true;
      continue;
    }
    const paths = rawName === "config" || rawName === "c" ? ["config"] : (shortcuts[rawName] ?? [rawName]);
    const kind = paths[0] === "config" ? "string" : configLeaves.get(paths[0]!);
    if (!kind && !extraNames.has(rawName)) return { error: `unknown flag --${rawName}` };
    let text = inline;
    if (text === undefined && kind !== "boolean") {
      text = argv[i + 1];
      if (text === undefined) return { error: `flag --${rawName} needs a value` };
      i += 1;
    }
    if (!kind) {
      extra.set(rawName, text ?? "");
    } else if (paths[0] === "config") {
      configFile = text;
    } else {
      const read = readLeafText(kind, text ?? "true");
      if ("error" in read) return { error: `--${rawName}: ${read.error}` };
      for (const path of paths) flags.push([path, read.value]);
    }
  }
  return { command: positionals[0], positionals: positionals.slice(1), configFile, flags, extra, help };
}
