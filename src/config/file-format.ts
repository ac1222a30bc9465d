import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { extname } from "node:path";
import type * as Toml from "smol-toml";
import type * as Yaml from "yaml";

/** The YAML and TOML libraries, required when a file of that format is read or written: JSON configs never load them. */
const require = createRequire(import.meta.url);
const yaml = () => require("yaml") as typeof Yaml;
const toml = () => require("smol-toml") as typeof Toml;

/** The config file formats rotor reads and writes, chosen by the file's extension as Centrifugo does. */
export type ConfigFormat = "json" | "yaml" | "toml";

const byExtension: Record<string, ConfigFormat> = {
  ".json": "json",
  ".yaml": "yaml",
  ".yml": "yaml",
  ".toml": "toml",
};

const formatNames: Record<ConfigFormat, string> = { json: "JSON", yaml: "YAML", toml: "TOML" };

/** The format of a config file from its name; an unknown extension is an error naming the ones accepted. */
export function configFormat(file: string): { format: ConfigFormat } | { error: string } {
  const format = byExtension[extname(file).toLowerCase()];
  return format
    ? { format }
    : { error: `config file ${file}: the extension must be .json, .yaml, .yml or .toml` };
}

function parseText(format: ConfigFormat, text: string): unknown {
  switch (format) {
    case "json":
      return JSON.parse(text);
    case "yaml":
      return yaml().parse(text) ?? {};
    case "toml":
      return toml().parse(text);
  }
}

/**
 * Reads a config file in JSON, YAML or TOML into a plain object; the same
 * schema then validates it whatever the format, so every message names the
 * option's path the same way.
 */
export function readConfigFile(file: string): { value: Record<string, unknown> } | { error: string } {
  const chosen = configFormat(file);
  if ("error" in chosen) return chosen;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    return { error: `cannot read config file ${file}: ${(err as Error).message}` };
  }
  let value: unknown;
  try {
    value = parseText(chosen.format, text);
  } catch (err) {
    return {
      error: `config file ${file} is not valid ${formatNames[chosen.format]}: ${(err as Error).message}`,
    };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { error: `config file ${file} must hold an object of options at the top` };
  }
  return { value: value as Record<string, unknown> };
}

/** A config object as the text of a file in `format`. */
export function formatConfig(format: ConfigFormat, value: Record<string, unknown>): string {
  switch (format) {
    case "json":
      return `${JSON.stringify(value, null, 2)}\n`;
    case "yaml":
      return yaml().stringify(value);
    case "toml":
      return `${toml().stringify(value)}\n`;
  }
}

/**
 * Writes a config object to a new file in the format its extension names
 * (mode 0600: it holds secrets); never overwrites an existing file.
 */
export function writeConfigFile(file: string, value: Record<string, unknown>): { error?: string } {
  const chosen = configFormat(file);
  if ("error" in chosen) return chosen;
  try {
    writeFileSync(file, formatConfig(chosen.format, value), { flag: "wx", mode: 0o600 });
    return {};
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      error: code === "EEXIST" ? `${file} already exists; not overwriting it` : (err as Error).message,
    };
  }
}
