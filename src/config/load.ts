import type { z } from "zod";
import { closest } from "./closest.js";
import { applyEnv } from "./env.js";
import { readConfigFile } from "./file-format.js";
import { configLeaves, setPath } from "./leaves.js";
import { type Config, configSchema } from "./schema.js";
import { applySeedAliases } from "./seed-aliases.js";
import { checkConfig } from "./validate.js";
import { configWarnings } from "./warnings.js";

/** Where configuration comes from; later sources win: file, then env, then flags. */
export interface ConfigSources {
  file?: string | undefined;
  /** A config object used in place of a file (embedding, tests). */
  object?: Record<string, unknown> | undefined;
  env?: Record<string, string | undefined>;
  /** Option paths and values set on the command line. */
  flags?: ReadonlyArray<readonly [string, unknown]>;
}

/** A valid configuration with what deserves a warning (unknown environment variables, unsafe options), or every problem found. */
export type ConfigResult =
  | { config: Config; warnings: string[]; error?: undefined }
  | { error: string; config?: undefined };

function formatPath(path: PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join("");
}

/** The option names next to `at` ("http_server" → port, address…), for a guess at a misspelt key. */
function siblings(at: string): Set<string> {
  const out = new Set<string>();
  const start = at ? `${at}.` : "";
  for (const path of configLeaves.keys()) {
    if (path.startsWith(start)) out.add(path.slice(start.length).split(".", 1)[0]!);
  }
  return out;
}

function unknownKey(at: string, key: string): string {
  const path = at ? `${at}.` : "";
  const guess = closest(key, siblings(at));
  return `unknown key "${path}${key}"${guess ? ` (did you mean "${path}${guess}"?)` : ""}`;
}

function formatIssue(issue: z.core.$ZodIssue): string {
  const at = formatPath(issue.path);
  if (issue.code === "unrecognized_keys") return issue.keys.map((k) => unknownKey(at, k)).join("; ");
  return `${at || "config"}: ${issue.message}`;
}

/**
 * Builds the configuration from a file (JSON, YAML or TOML), `ROTOR_…` and
 * `CENTRIFUGO_…` environment variables and command-line flags, and validates
 * it. Every problem is reported with the path of the option it concerns;
 * nothing unknown in a file or a flag is silently ignored.
 */
export function loadConfig(sources: ConfigSources = {}): ConfigResult {
  let raw: Record<string, unknown> = sources.object ? applySeedAliases(structuredClone(sources.object)) : {};
  if (sources.file) {
    const read = readConfigFile(sources.file);
    if ("error" in read) return read;
    raw = applySeedAliases(read.value);
  }
  const { problems, warnings } = applyEnv(raw, sources.env ?? {});
  for (const [path, value] of sources.flags ?? []) setPath(raw, path, value);
  if (problems.length > 0) return { error: problems.join("\n") };

  const parsed = configSchema().safeParse(raw);
  if (!parsed.success) return { error: parsed.error.issues.map(formatIssue).join("\n") };
  const invalid = checkConfig(parsed.data);
  if (invalid.length > 0) return { error: invalid.join("\n") };
  return { config: parsed.data, warnings: [...warnings, ...configWarnings(parsed.data)] };
}
