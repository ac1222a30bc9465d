import { readFileSync } from "node:fs";
import type { z } from "zod";
import { configLeaves, readLeafText, setPath } from "./leaves.js";
import { type Config, configSchema } from "./schema.js";
import { applySeedAliases } from "./seed-aliases.js";
import { checkConfig } from "./validate.js";

/** Prefix of the environment variables that set options: `ROTOR_HTTP_API_KEY` sets `http_api.key`. */
const envPrefix = "ROTOR_";

/** Where configuration comes from; later sources win: file, then env, then flags. */
export interface ConfigSources {
  file?: string | undefined;
  /** A config object used in place of a file (embedding, tests). */
  object?: Record<string, unknown> | undefined;
  env?: Record<string, string | undefined>;
  /** Option paths and values set on the command line. */
  flags?: ReadonlyArray<readonly [string, unknown]>;
}

export type ConfigResult = { config: Config; error?: undefined } | { error: string; config?: undefined };

const envNames = new Map([...configLeaves.keys()].map((path) => [envName(path), path]));

/** The environment variable that sets an option path. */
export function envName(path: string): string {
  return envPrefix + path.replaceAll(".", "_").toUpperCase();
}

function formatPath(path: PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join("");
}

function formatIssue(issue: z.core.$ZodIssue): string {
  const at = formatPath(issue.path);
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((k) => `unknown key "${at ? `${at}.` : ""}${k}"`).join("; ");
  }
  return `${at || "config"}: ${issue.message}`;
}

function readFile(file: string): { value: Record<string, unknown> } | { error: string } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    return { error: `cannot read config file ${file}: ${(err as Error).message}` };
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return { error: `config file ${file} must hold a JSON object` };
    }
    return { value: value as Record<string, unknown> };
  } catch (err) {
    return { error: `config file ${file} is not valid JSON: ${(err as Error).message}` };
  }
}

/**
 * Builds the configuration from a JSON file, `ROTOR_…` environment variables and
 * command-line flags, and validates it. Every problem is reported with the path
 * of the option it concerns; nothing unknown is silently ignored.
 */
export function loadConfig(sources: ConfigSources = {}): ConfigResult {
  let raw: Record<string, unknown> = sources.object ? applySeedAliases(structuredClone(sources.object)) : {};
  if (sources.file) {
    const read = readFile(sources.file);
    if ("error" in read) return read;
    raw = applySeedAliases(read.value);
  }
  const problems: string[] = [];
  for (const [name, text] of Object.entries(sources.env ?? {})) {
    if (!name.startsWith(envPrefix) || text === undefined) continue;
    const path = envNames.get(name);
    if (!path) {
      problems.push(`unknown environment variable ${name}`);
      continue;
    }
    const read = readLeafText(configLeaves.get(path)!, text);
    if ("error" in read) problems.push(`${name}: ${read.error}`);
    else setPath(raw, path, read.value);
  }
  for (const [path, value] of sources.flags ?? []) setPath(raw, path, value);
  if (problems.length > 0) return { error: problems.join("\n") };

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) return { error: parsed.error.issues.map(formatIssue).join("\n") };
  const invalid = checkConfig(parsed.data);
  return invalid.length > 0 ? { error: invalid.join("\n") } : { config: parsed.data };
}
