import { defaultConfigObject, mergeConfig } from "../config/defaults.js";
import { envName } from "../config/env.js";
import { configFormat, formatConfig, readConfigFile, writeConfigFile } from "../config/file-format.js";
import { writeStarterConfig } from "../config/genconfig.js";
import { configLeaves } from "../config/leaves.js";
import { type CliIo, configOrExit } from "./cli-io.js";
import type { CommandLine } from "./command-line.js";

function fileFlag(line: CommandLine, name: string): string | undefined {
  const value = line.values.get(name);
  return typeof value === "string" ? value : undefined;
}

/**
 * `rotor genconfig [-c FILE] [--admin] [--port N]`: a starter config with
 * fresh secrets, in the format of the file's extension; `--admin` and
 * `--port` keep what a first run showed (its admin UI, its port).
 */
export async function genconfig(line: CommandLine, io: CliIo): Promise<number> {
  const file = fileFlag(line, "config") ?? "config.json";
  const portText = fileFlag(line, "port");
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    io.err(`rotor genconfig: --port ${portText}: not a port number\n`);
    return 2;
  }
  const written = writeStarterConfig(file, { adminEnabled: line.values.get("admin") === true, port });
  if (written.error) {
    io.err(`rotor genconfig: ${written.error}\n`);
    return 1;
  }
  io.out(`wrote ${file}\n`);
  return 0;
}

/** `rotor checkconfig [-c FILE]`: validates file, environment and flags together, without starting. */
export async function checkconfig(line: CommandLine, io: CliIo): Promise<number> {
  if (!configOrExit(line, io, "checkconfig")) return 2;
  io.out("configuration is valid\n");
  return 0;
}

/** The defaults with a base file's values laid over them (`--base FILE`). */
function defaultsWithBase(
  line: CommandLine,
  io: CliIo,
  command: string,
): Record<string, unknown> | undefined {
  const base = fileFlag(line, "base");
  if (base === undefined) return defaultConfigObject();
  const read = readConfigFile(base);
  if ("error" in read) {
    io.err(`rotor ${command}: ${read.error}\n`);
    return undefined;
  }
  return mergeConfig(defaultConfigObject(), read.value);
}

/**
 * `rotor defaultconfig [-c FILE] [--base FILE] [--dry-run]`: every option
 * with its default (a base file's values merged in), written to a new file in
 * its extension's format, or printed with `--dry-run`.
 */
export async function defaultconfig(line: CommandLine, io: CliIo): Promise<number> {
  const file = fileFlag(line, "config") ?? "config.json";
  const format = configFormat(file);
  if ("error" in format) {
    io.err(`rotor defaultconfig: ${format.error}\n`);
    return 2;
  }
  const config = defaultsWithBase(line, io, "defaultconfig");
  if (!config) return 2;
  if (line.values.get("dry-run") === true) {
    io.out(formatConfig(format.format, config));
    return 0;
  }
  const written = writeConfigFile(file, config);
  if (written.error) {
    io.err(`rotor defaultconfig: ${written.error}\n`);
    return 1;
  }
  io.out(`wrote ${file}\n`);
  return 0;
}

function envValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value) && value.every((v) => typeof v === "string"))
    return JSON.stringify(value.join(" "));
  if (typeof value === "object") return `'${JSON.stringify(value)}'`;
  return String(value);
}

function leafValue(config: Record<string, unknown>, path: string): unknown {
  let node: unknown = config;
  for (const key of path.split(".")) node = (node as Record<string, unknown> | undefined)?.[key];
  return node;
}

/**
 * `rotor defaultenv [--base FILE] [--prefix CENTRIFUGO_]`: every option as an
 * environment variable assignment, sorted, ready for an env file: strings
 * quoted, lists space-separated, objects as JSON.
 */
export async function defaultenv(line: CommandLine, io: CliIo): Promise<number> {
  const config = defaultsWithBase(line, io, "defaultenv");
  if (!config) return 2;
  const prefix = fileFlag(line, "prefix") ?? "ROTOR_";
  if (prefix !== "ROTOR_" && prefix !== "CENTRIFUGO_") {
    io.err(`rotor defaultenv: --prefix is ROTOR_ or CENTRIFUGO_\n`);
    return 2;
  }
  const lines: string[] = [];
  for (const path of configLeaves.keys()) {
    const value = leafValue(config, path);
    if (value !== undefined) lines.push(`${envName(path, prefix)}=${envValue(value)}`);
  }
  io.out(`${lines.sort().join("\n")}\n`);
  return 0;
}
