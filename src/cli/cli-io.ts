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

/** The configuration a command line asks for: its file, then the environment, then its option flags. */
export function loadCommandConfig(line: CommandLine, io: CliIo): ConfigResult {
  const file = line.values.get("config");
  return loadConfig({
    file: typeof file === "string" ? file : undefined,
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
