import { checkTokenCommand, mintTokenCommand } from "../auth/token-commands.js";
import type { FlagSpec } from "../config/flags.js";
import { rotorVersion } from "../server/package-info.js";
import { type CliIo, configFlag, configOrExit } from "./cli-io.js";
import type { CommandFlags, CommandLine } from "./command-line.js";
import { checkconfig, defaultconfig, defaultenv, genconfig } from "./config-commands.js";
import { serve } from "./serve.js";

/** One `rotor` command: what it does, its own flags, and whether it reads a configuration. */
export interface Command {
  readonly name: string;
  /** Positional arguments, for the usage line. */
  readonly args?: string;
  readonly summary: string;
  readonly flags: CommandFlags;
  /** Reads config (`-c FILE`, environment) and accepts every `--<option.path>` flag. */
  readonly takesConfig: boolean;
  run(line: CommandLine, io: CliIo): Promise<number>;
}

const user = { type: "string", short: "u", text: 'the token\'s user (default "" = anonymous)' } as const;
const ttl = {
  type: "string",
  short: "t",
  text: "lifetime: a duration (1h, 30m) or seconds; 0 = no expiry (default 1h)",
} as const;
const base = { type: "string", short: "b", text: "a config file whose values replace the defaults" } as const;

/** Runs a token command with the configuration its flags select. */
function withConfig(
  name: string,
  run: (
    config: NonNullable<ReturnType<typeof configOrExit>>,
    line: CommandLine,
    io: CliIo,
  ) => Promise<number>,
) {
  return async (line: CommandLine, io: CliIo) => {
    const config = configOrExit(line, io, name);
    return config ? run(config, line, io) : 2;
  };
}

const text = (line: CommandLine, name: string) => {
  const value = line.values.get(name);
  return typeof value === "string" ? value : undefined;
};

/** Every command, in the order `rotor help` lists them; `serve` is what runs without a command. */
export const commands: readonly Command[] = [
  {
    name: "serve",
    summary: "run the server (the default when no command is given)",
    flags: new Map<string, FlagSpec>([["config", configFlag]]),
    takesConfig: true,
    run: serve,
  },
  {
    name: "version",
    summary: "print rotor's version",
    flags: new Map<string, FlagSpec>(),
    takesConfig: false,
    run: async (_line, io) => {
      io.out(`rotor v${rotorVersion} (Node ${process.version})\n`);
      return 0;
    },
  },
  {
    name: "genconfig",
    summary: "write a starter config with fresh secrets (API key, token key, admin password)",
    flags: new Map<string, FlagSpec>([
      ["config", { ...configFlag, text: "file to write (default config.json; .json, .yaml, .yml, .toml)" }],
      ["admin", { type: "boolean", text: "turn the admin UI on (its password is generated either way)" }],
      [
        "port",
        {
          type: "string",
          short: "p",
          text: "the main port (default 8000), also the allowed browser origin's",
        },
      ],
    ]),
    takesConfig: false,
    run: genconfig,
  },
  {
    name: "checkconfig",
    summary: "validate the configuration (file, environment and flags) and exit",
    flags: new Map<string, FlagSpec>([["config", configFlag]]),
    takesConfig: true,
    run: checkconfig,
  },
  {
    name: "defaultconfig",
    summary: "write every option with its default value to a new config file",
    flags: new Map<string, FlagSpec>([
      ["config", { ...configFlag, text: "file to write (default config.json; .json, .yaml, .yml, .toml)" }],
      ["base", base],
      ["dry-run", { type: "boolean", short: "d", text: "print instead of writing the file" }],
    ]),
    takesConfig: false,
    run: defaultconfig,
  },
  {
    name: "defaultenv",
    summary: "print every option as an environment variable with its default value",
    flags: new Map<string, FlagSpec>([
      ["base", base],
      ["prefix", { type: "string", text: "ROTOR_ (default) or CENTRIFUGO_" }],
    ]),
    takesConfig: false,
    run: defaultenv,
  },
  {
    name: "gentoken",
    summary: "print an HS256 connection token signed with client.token.hmac_secret_key",
    flags: new Map<string, FlagSpec>([
      ["config", configFlag],
      ["user", user],
      ["ttl", ttl],
    ]),
    takesConfig: true,
    run: withConfig("gentoken", (config, line, io) =>
      mintTokenCommand("gentoken", config, { user: text(line, "user"), ttl: text(line, "ttl") }, io),
    ),
  },
  {
    name: "gensubtoken",
    summary: "print an HS256 subscription token for one channel",
    flags: new Map<string, FlagSpec>([
      ["config", configFlag],
      ["user", user],
      ["channel", { type: "string", short: "s", text: "the channel (required)" }],
      ["ttl", ttl],
    ]),
    takesConfig: true,
    run: withConfig("gensubtoken", (config, line, io) =>
      mintTokenCommand(
        "gensubtoken",
        config,
        { user: text(line, "user"), ttl: text(line, "ttl"), channel: text(line, "channel") },
        io,
      ),
    ),
  },
  {
    name: "checktoken",
    args: "<TOKEN>",
    summary: "verify a connection token with the configured keys and print its user and payload",
    flags: new Map<string, FlagSpec>([["config", configFlag]]),
    takesConfig: true,
    run: withConfig("checktoken", (config, line, io) =>
      checkTokenCommand("checktoken", config, line.positionals[0], io),
    ),
  },
  {
    name: "checksubtoken",
    args: "<TOKEN>",
    summary: "verify a subscription token and print its user, channel and payload",
    flags: new Map<string, FlagSpec>([["config", configFlag]]),
    takesConfig: true,
    run: withConfig("checksubtoken", (config, line, io) =>
      checkTokenCommand("checksubtoken", config, line.positionals[0], io),
    ),
  },
];
