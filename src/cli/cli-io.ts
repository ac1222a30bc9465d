import { existsSync } from "node:fs";
import type { CommandOutput } from "../auth/token-commands.js";
import { type ConfigResult, loadConfig } from "../config/load.js";
import type { CommandLine } from "./command-line.js";

/** What a command reads and writes: its output streams and the environment. */
export interface CliIo extends CommandOutput {
  readonly env: Record<string, string | undefined>;
}

/** The `-c/--config FILE` flag of the commands that read a configuration. */
export const configFlag = {
  type: "string",
  short: "c",
  text: "config file: JSON, YAML (.yaml, .yml) or TOML (.toml)",
} as const;

/** The file read when no `-c` names one, as Centrifugo reads it: `config.json` in the working directory. */
export const defaultConfigFile = "config.json";

/** The config file a command line names, or `config.json` when there is one in the working directory. */
export function commandConfigFile(line: CommandLine): string | undefined {
  const file = line.values.get("config");
  if (typeof file === "string") return file;
  return existsSync(defaultConfigFile) ? defaultConfigFile : undefined;
}

/** The configuration a command line asks for: its file, then the environment, then its option flags. */
export function loadCommandConfig(line: CommandLine, io: CliIo): ConfigResult {
  return loadConfig({
    file: commandConfigFile(line),
    env: io.env,
    flags: line.options,
  });
}

/** Loads the command's configuration, or reports why it cannot (exit code 2). */
export function configOrExit(line: CommandLine, io: CliIo, command: string) {
  const loaded = loadCommandConfig(line, io);
  if (loaded.error !== undefined) {
    io.err(`rotor ${command}: invalid configuration:\n${loaded.error}\n`);
    return undefined;
  }
  for (const warning of loaded.warnings) io.err(`rotor ${command}: warning: ${warning}\n`);
  return loaded.config;
}
