import type { z } from "zod";
import { configSchema } from "./schema.js";

/** How a text value (from an env var or a flag) is read for one option. */
export type LeafKind = "string" | "number" | "boolean" | "json";

// biome-ignore lint/suspicious/noExplicitAny: zod's internal definition tree is untyped.
type Def = any;

function unwrap(schema: z.ZodType): Def {
  let def: Def = (schema as Def)._zod.def;
  while (["default", "prefault", "optional", "pipe"].includes(def.type)) {
    def = def.type === "pipe" ? def.in._zod.def : def.innerType._zod.def;
  }
  return def;
}

function collect(schema: z.ZodType, prefix: string, out: Map<string, LeafKind>): void {
  const def = unwrap(schema);
  if (def.type === "object") {
    for (const [key, child] of Object.entries(def.shape as Record<string, z.ZodType>)) {
      collect(child, prefix ? `${prefix}.${key}` : key, out);
    }
    return;
  }
  const kind: LeafKind =
    def.type === "boolean"
      ? "boolean"
      : def.type === "number"
        ? "number"
        : def.type === "string" || def.type === "enum" || scalarUnion(def)
          ? "string"
          : "json";
  out.set(prefix, kind);
}

const scalars = new Set(["number", "string", "enum", "literal"]);

/** A number-or-word option (`"auto"` or a count, a port as number or text): read as text, its schema parses it. */
function scalarUnion(def: Def): boolean {
  return def.type === "union" && (def.options as z.ZodType[]).every((o) => scalars.has(unwrap(o).type));
}

/** Every option path under a schema ("http_api.key", …) with how to read it from text. */
export function schemaLeaves(schema: z.ZodType): ReadonlyMap<string, LeafKind> {
  const out = new Map<string, LeafKind>();
  collect(schema, "", out);
  return out;
}

/** Every option path of the config with how to read it from text. */
export const configLeaves = schemaLeaves(configSchema());

/** Reads a text value for an option; returns an error message when it does not fit. */
export function readLeafText(kind: LeafKind, text: string): { value: unknown } | { error: string } {
  switch (kind) {
    case "string":
      return { value: text };
    case "boolean":
      if (["true", "1", "yes", "on", ""].includes(text.toLowerCase())) return { value: true };
      if (["false", "0", "no", "off"].includes(text.toLowerCase())) return { value: false };
      return { error: `"${text}" is not a boolean (true or false)` };
    case "number": {
      const n = Number(text);
      return text.trim() !== "" && Number.isFinite(n) ? { value: n } : { error: `"${text}" is not a number` };
    }
    case "json":
      try {
        return { value: JSON.parse(text) };
      } catch {
        // Lists as Centrifugo takes them from the environment: space-separated (commas work too).
        return { value: text.split(/[\s,]+/).filter((s) => s !== "") };
      }
  }
}

/** Sets `value` at a dotted path inside a plain object, creating parents. */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== "object" || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}
