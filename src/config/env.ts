import { closest } from "./closest.js";
import { consumerSchema } from "./consumers-schema.js";
import { configLeaves, readLeafText, schemaLeaves, setPath } from "./leaves.js";
import { applyNamedArrayEnv, type NamedArray } from "./named-array-env.js";

/**
 * The prefixes of environment variables that set options, applied in this
 * order so that rotor's own name wins when both are set: Centrifugo's names
 * keep working for a drop-in migration.
 */
const prefixes = ["CENTRIFUGO_", "ROTOR_"] as const;

/** Variables under the prefixes that are not options: Kubernetes service links and Centrifugo's `${CENTRIFUGO_VAR_X}` values. */
const exempt = [
  /^CENTRIFUGO_VAR_/,
  /_PORT(_\d+_(TCP|UDP|SCTP)(_(ADDR|PORT|PROTO))?)?$/,
  /_SERVICE_(HOST|PORT)/,
];

/** The environment variable that sets an option path, under rotor's prefix. */
export function envName(path: string, prefix: string = "ROTOR_"): string {
  return prefix + path.replaceAll(".", "_").toUpperCase();
}

/** Arrays of named objects the environment sets item by item, as Centrifugo does. */
const namedArrays: NamedArray[] = [{ key: "consumers", leaves: schemaLeaves(consumerSchema()) }];

const pathsBySuffix = new Map([...configLeaves.keys()].map((path) => [envName(path, ""), path]));

/** What the environment sets, what it got wrong (fatal) and what it names that rotor does not know (a warning). */
export interface EnvOptions {
  readonly problems: string[];
  readonly warnings: string[];
}

/**
 * Applies `ROTOR_…` and `CENTRIFUGO_…` variables to a raw config object. A
 * value that does not fit its option is a problem; a variable that names no
 * option is only a warning, with the closest option name when there is one,
 * so a typo is visible but a shared environment never stops the server.
 */
export function applyEnv(raw: Record<string, unknown>, env: Record<string, string | undefined>): EnvOptions {
  const problems: string[] = [];
  const warnings: string[] = [];
  const used = new Set<string>();
  for (const prefix of prefixes) {
    for (const array of namedArrays) {
      const applied = applyNamedArrayEnv(raw, env, prefix, array);
      problems.push(...applied.problems);
      for (const name of applied.used) used.add(name);
    }
  }
  for (const prefix of prefixes) {
    for (const [name, text] of Object.entries(env)) {
      if (!name.startsWith(prefix) || text === undefined || text === "" || used.has(name)) continue;
      const suffix = name.slice(prefix.length);
      const path = pathsBySuffix.get(suffix);
      if (!path) {
        if (prefix === "CENTRIFUGO_" && exempt.some((p) => p.test(name))) continue;
        const guess = closest(suffix, pathsBySuffix.keys());
        warnings.push(
          `unknown environment variable ${name}${guess ? `; did you mean ${prefix}${guess} (${pathsBySuffix.get(guess)})?` : ""}`,
        );
        continue;
      }
      const read = readLeafText(configLeaves.get(path)!, text);
      if ("error" in read) problems.push(`${name}: ${read.error}`);
      else setPath(raw, path, read.value);
    }
  }
  return { problems, warnings };
}
