import { parseArgs } from "node:util";
import { closest } from "../config/closest.js";
import { type FlagSpec, optionFlagTypes, readOptionFlag, shortOptionFlags } from "../config/flags.js";

/** A command's own flags by long name (`user`, `ttl`…). */
export type CommandFlags = ReadonlyMap<string, FlagSpec>;

/** One command line, read: the command's flags, config options set by flags, the rest. */
export interface CommandLine {
  readonly positionals: string[];
  readonly values: ReadonlyMap<string, string | boolean>;
  /** Option paths and values set by `--<option.path>` and the short option flags. */
  readonly options: [string, unknown][];
  readonly help: boolean;
}

type ParseOptions = NonNullable<Parameters<typeof parseArgs>[0]>["options"];

function parseOptions(own: CommandFlags, acceptsOptions: boolean): ParseOptions {
  const out: NonNullable<ParseOptions> = { help: { type: "boolean", short: "h" } };
  if (acceptsOptions) {
    for (const [name, type] of optionFlagTypes) out[name] = { type };
    for (const [name, spec] of shortOptionFlags)
      if (spec.short) out[name] = { type: spec.type, short: spec.short };
  }
  for (const [name, spec] of own)
    out[name] = { type: spec.type, ...(spec.short ? { short: spec.short } : {}) };
  return out;
}

/**
 * Reads a command's arguments with node:util's parseArgs: its own flags, and
 * when it takes a configuration, every `--<option.path> value` and the short
 * option flags. Anything unknown is an error that names the closest flag.
 */
export function parseCommandLine(
  argv: readonly string[],
  own: CommandFlags,
  acceptsOptions: boolean,
): CommandLine | { error: string } {
  const options = parseOptions(own, acceptsOptions);
  const { tokens } = parseArgs({
    args: [...argv],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const positionals: string[] = [];
  const values = new Map<string, string | boolean>();
  const set: [string, unknown][] = [];
  let help = false;
  for (const token of tokens) {
    if (token.kind === "positional") positionals.push(token.value);
    if (token.kind !== "option") continue;
    const spec = options?.[token.name];
    if (!spec) {
      const guess = closest(token.name, Object.keys(options ?? {}));
      return { error: `unknown flag ${token.rawName}${guess ? ` (did you mean --${guess}?)` : ""}` };
    }
    if (spec.type === "string" && token.value === undefined)
      return { error: `flag ${token.rawName} needs a value` };
    const value = token.value ?? true;
    if (token.name === "help") help = true;
    else if (own.has(token.name))
      values.set(token.name, own.get(token.name)!.type === "boolean" ? value !== "false" : value);
    else {
      const read = readOptionFlag(token.name, value);
      if ("error" in read) return read;
      set.push(...read.set);
    }
  }
  return { positionals, values, options: set, help };
}
