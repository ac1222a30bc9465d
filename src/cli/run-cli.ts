import type { CliIo } from "./cli-io.js";
import { parseCommandLine } from "./command-line.js";
import { type Command, commands } from "./commands.js";
import { commandHelp, generalHelp } from "./help.js";

const byName = new Map(commands.map((c) => [c.name, c]));

/**
 * The `rotor` command line: picks the command (the first argument unless it
 * is a flag; none means `serve`), reads its flags and runs it. Returns the
 * exit code, or -1 while the server keeps running.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const first = argv[0];
  if (first === "--version" || first === "-v") return byName.get("version")!.run(emptyLine, io);
  if (first === "help") {
    const topic = argv[1];
    if (topic === undefined) {
      io.out(generalHelp(commands));
      return 0;
    }
    const command = byName.get(topic);
    if (!command) return unknownCommand(topic, io);
    io.out(commandHelp(command));
    return 0;
  }
  const named = first !== undefined && !first.startsWith("-");
  const command: Command | undefined = named ? byName.get(first) : byName.get("serve");
  if (!command) return unknownCommand(first!, io);
  const line = parseCommandLine(named ? argv.slice(1) : argv, command.flags, command.takesConfig);
  if ("error" in line) {
    io.err(`rotor ${command.name}: ${line.error}\nRun "rotor help ${command.name}" for its flags.\n`);
    return 2;
  }
  if (line.help) {
    io.out(
      command.name === "serve" && !named
        ? `${generalHelp(commands)}\n${commandHelp(command)}`
        : commandHelp(command),
    );
    return 0;
  }
  if (!command.args && line.positionals.length > 0) {
    io.err(`rotor ${command.name}: unexpected argument "${line.positionals[0]}"\n`);
    return 2;
  }
  return command.run(line, io);
}

const emptyLine = { positionals: [], values: new Map(), options: [], help: false };

function unknownCommand(name: string, io: CliIo): number {
  io.err(`rotor: unknown command "${name}"\n\n${generalHelp(commands)}`);
  return 2;
}
