import type { FlagSpec } from "../config/flags.js";
import { shortOptionFlags } from "../config/flags.js";
import type { Command } from "./commands.js";

function flagLine(name: string, spec: FlagSpec): string {
  const names = `${spec.short ? `-${spec.short}, ` : "    "}--${name}${spec.type === "string" ? " VALUE" : ""}`;
  return `  ${names.padEnd(28)}${spec.text}`;
}

/** `rotor help`: the commands and where options come from. */
export function generalHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length + (c.args ? c.args.length + 1 : 0))) + 4;
  const lines = [
    "Usage: rotor [command] [flags]",
    "",
    "rotor: a real-time messaging server, wire-compatible with Centrifugo.",
    "",
    "Commands:",
    ...commands.map((c) => `  ${`${c.name}${c.args ? ` ${c.args}` : ""}`.padEnd(width)}${c.summary}`),
    `  ${"help [command]".padEnd(width)}this help, or a command's flags`,
    "",
    'Run "rotor help <command>" or "rotor <command> --help" for the flags of a command.',
    "Every option can be set in the config file (-c FILE: JSON, YAML or TOML), in the environment as",
    "ROTOR_<OPTION_PATH> or CENTRIFUGO_<OPTION_PATH> (e.g. ROTOR_HTTP_API_KEY), or as --<option.path> VALUE.",
    "rotor --version prints the version.",
  ];
  return `${lines.join("\n")}\n`;
}

/** `rotor help <command>` and `rotor <command> --help`: its usage and every flag it takes. */
export function commandHelp(command: Command): string {
  const lines = [
    `Usage: rotor ${command.name === "serve" ? "[serve]" : command.name}${command.args ? ` ${command.args}` : ""} [flags]`,
    "",
    `${command.summary[0]!.toUpperCase()}${command.summary.slice(1)}.`,
    "",
    "Flags:",
    ...[...command.flags].map(([name, spec]) => flagLine(name, spec)),
    flagLine("help", { type: "boolean", short: "h", text: "this help" }),
  ];
  if (command.takesConfig) {
    lines.push(
      "",
      "Options (override the config file and the environment):",
      ...[...shortOptionFlags].map(([name, spec]) => flagLine(name, spec)),
      `  ${"    --<option.path> VALUE".padEnd(28)}any option, e.g. --http_api.key=K, --client.insecure, --admin.enabled`,
    );
  }
  return `${lines.join("\n")}\n`;
}
