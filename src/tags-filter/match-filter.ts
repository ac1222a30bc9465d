import { compareDecimals, parseDecimal } from "./decimal.js";
import type { FilterNode } from "./filter-node.js";

type Tags = Readonly<Record<string, string>> | undefined;

const has = (tags: Tags, key: string) => tags !== undefined && Object.hasOwn(tags, key);

/** A numeric comparison holds only when both sides are decimals; anything else is no match, never an error. */
function numeric(value: string | undefined, operand: string, holds: (order: number) => boolean): boolean {
  if (value === undefined) return false;
  const a = parseDecimal(value);
  const b = a && parseDecimal(operand);
  return b !== undefined && holds(compareDecimals(a!, b));
}

function leaf(node: FilterNode, tags: Tags): boolean {
  const present = has(tags, node.key);
  const value = present ? tags![node.key] : undefined;
  switch (node.cmp) {
    case "eq":
      return value === node.val;
    case "neq":
      return value !== node.val;
    case "in":
      return node.vals.includes(value ?? "");
    case "nin":
      return !node.vals.includes(value ?? "");
    case "ex":
      return present;
    case "nex":
      return !present;
    case "sw":
      return value?.startsWith(node.val) === true;
    case "ew":
      return value?.endsWith(node.val) === true;
    case "ct":
      return value?.includes(node.val) === true;
    case "gt":
      return numeric(value, node.val, (o) => o > 0);
    case "gte":
      return numeric(value, node.val, (o) => o >= 0);
    case "lt":
      return numeric(value, node.val, (o) => o < 0);
    case "lte":
      return numeric(value, node.val, (o) => o <= 0);
    default:
      return false;
  }
}

function evaluate(node: FilterNode, tags: Tags): boolean {
  switch (node.op) {
    case "":
      return leaf(node, tags);
    case "and":
      return node.nodes.every((child) => evaluate(child, tags));
    case "or":
      return node.nodes.some((child) => evaluate(child, tags));
    case "not":
      return node.nodes.length === 1 && !evaluate(node.nodes[0]!, tags);
    default:
      return false;
  }
}

/**
 * Whether a publication's tags pass a validated filter, as Centrifugo
 * evaluates it: `and` / `or` short-circuit, string comparisons are
 * case-sensitive and byte-wise, an absent tag counts as "" for `in` / `nin`.
 * A filter nested beyond the stack matches nothing rather than crashing.
 */
export function matchesFilter(filter: FilterNode, tags: Tags): boolean {
  try {
    return evaluate(filter, tags);
  } catch {
    return false;
  }
}
