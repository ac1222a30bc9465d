import { type LeafKind, readLeafText, setPath } from "./leaves.js";

/** An array of named objects in the config (`consumers`) that the environment can set item by item. */
export interface NamedArray {
  /** Its top-level key. */
  readonly key: string;
  /** The option paths of one item, with how to read each. */
  readonly leaves: ReadonlyMap<string, LeafKind>;
}

/** The environment form of a name or path: capitals, `.` and `-` as `_`. */
const envForm = (text: string) => text.replace(/[.-]/g, "_").toUpperCase();

type Item = Record<string, unknown>;

/** `CENTRIFUGO_CONSUMERS`: a JSON array, or names separated by spaces, each starting from the file's entry of that name. */
function readArray(text: string, current: unknown): { value: Item[] } | { error: string } {
  if (text.trimStart().startsWith("[")) {
    try {
      const value: unknown = JSON.parse(text);
      return Array.isArray(value) ? { value: value as Item[] } : { error: "is not a JSON array" };
    } catch (err) {
      return { error: `is not valid JSON: ${(err as Error).message}` };
    }
  }
  const existing = Array.isArray(current) ? (current as Item[]) : [];
  const names = text.split(/\s+/).filter((name) => name !== "");
  return { value: names.map((name) => ({ ...existing.find((item) => item.name === name), name })) };
}

/**
 * Applies Centrifugo's environment form of a named array under one prefix:
 * `<PREFIX><KEY>` lists the items (JSON, or names), then
 * `<PREFIX><KEY>_<NAME>_<OPTION>` sets one option of the item of that name
 * (name in capitals, `.` and `-` as `_`), e.g.
 * `CENTRIFUGO_CONSUMERS_OUTBOX_POSTGRESQL_DSN`. Returns the variables it
 * used, which are then no one else's, and what did not fit or names no
 * option of its item (fatal: the item is known, so a typo is certain).
 */
export function applyNamedArrayEnv(
  raw: Record<string, unknown>,
  env: Record<string, string | undefined>,
  prefix: string,
  array: NamedArray,
): { used: Set<string>; problems: string[] } {
  const used = new Set<string>();
  const problems: string[] = [];
  const listName = prefix + envForm(array.key);
  const listText = env[listName];
  if (listText !== undefined && listText !== "") {
    used.add(listName);
    const read = readArray(listText, raw[array.key]);
    if ("error" in read) problems.push(`${listName}: ${read.error}`);
    else raw[array.key] = read.value;
  }
  const items = Array.isArray(raw[array.key]) ? (raw[array.key] as unknown[]) : [];
  const named = items
    .filter(
      (item): item is Item =>
        typeof item === "object" && item !== null && typeof (item as Item).name === "string",
    )
    .map((item) => ({ item, start: `${listName}_${envForm(item.name as string)}_` }))
    .sort((a, b) => b.start.length - a.start.length);
  const leaves = array.leaves;
  const paths = new Map([...leaves.keys()].map((path) => [envForm(path), path]));
  for (const [name, text] of Object.entries(env)) {
    if (text === undefined || text === "" || used.has(name)) continue;
    const owner = named.find((n) => name.startsWith(n.start));
    if (!owner) continue;
    used.add(name);
    const path = paths.get(name.slice(owner.start.length));
    if (!path) {
      problems.push(
        `${name}: ${array.key} entry "${owner.item.name}" has no option ${name.slice(owner.start.length)}`,
      );
      continue;
    }
    const read = readLeafText(leaves.get(path)!, text);
    if ("error" in read) problems.push(`${name}: ${read.error}`);
    else setPath(owner.item, path, read.value);
  }
  return { used, problems };
}
