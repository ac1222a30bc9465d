import type { z } from "zod";
import { configSchema } from "./schema.js";

// biome-ignore lint/suspicious/noExplicitAny: zod's internal definition tree is untyped.
type Def = any;

function defaultOf(schema: z.ZodType): unknown {
  const def: Def = (schema as Def)._zod.def;
  switch (def.type) {
    case "default":
      return structuredClone(def.defaultValue);
    case "prefault":
    case "optional":
      return defaultOf(def.innerType);
    case "pipe":
      return defaultOf(def.in);
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(def.shape as Record<string, z.ZodType>)) {
        const value = defaultOf(child);
        if (value !== undefined) out[key] = value;
      }
      return out;
    }
    default:
      return undefined;
  }
}

/**
 * Every option with its default, in the shape of a config file (durations as
 * "25s", not parsed milliseconds): what `rotor defaultconfig` writes and
 * `rotor defaultenv` lists. Options without a default (an unset internal
 * port) are left out.
 */
export function defaultConfigObject(): Record<string, unknown> {
  return defaultOf(configSchema()) as Record<string, unknown>;
}

/** `base` laid over `defaults`, objects merged key by key, anything else replaced. */
export function mergeConfig(
  defaults: Record<string, unknown>,
  base: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(base)) {
    const under = out[key];
    const bothObjects = [under, value].every((v) => typeof v === "object" && v !== null && !Array.isArray(v));
    out[key] = bothObjects
      ? mergeConfig(under as Record<string, unknown>, value as Record<string, unknown>)
      : value;
  }
  return out;
}
