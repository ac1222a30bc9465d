/**
 * A tags filter as clients send it (`SubscribeRequest.tf`, protocol
 * `FilterNode`): a leaf compares one tag (`cmp` with `val` or `vals`), a
 * branch combines children (`and`, `or`, `not`). The generated protobuf
 * message has this shape, so decoded requests are used as they are.
 */
export interface FilterNode {
  readonly op: string;
  readonly key: string;
  readonly cmp: string;
  readonly val: string;
  readonly vals: readonly string[];
  readonly nodes: readonly FilterNode[];
}

const withVal = new Set(["eq", "neq", "sw", "ew", "ct", "gt", "gte", "lt", "lte"]);
const withVals = new Set(["in", "nin"]);
const presence = new Set(["ex", "nex"]);

function validateLeaf(node: FilterNode): string | undefined {
  const { cmp } = node;
  if (cmp === "") return "leaf node must have cmp set";
  if (withVal.has(cmp)) {
    if (node.val === "") return `${cmp} comparison requires Val`;
    if (node.vals.length > 0) return `${cmp} comparison must not use Vals`;
  } else if (withVals.has(cmp)) {
    if (node.vals.length === 0) return `${cmp} comparison requires non-empty Vals`;
    if (node.val !== "") return `${cmp} comparison must not use Val`;
  } else if (presence.has(cmp)) {
    if (node.val !== "" || node.vals.length > 0) return `${cmp} comparison must not use Val or Vals`;
    return undefined;
  } else {
    return `unknown comparison operator: ${cmp}`;
  }
  return node.key === "" ? "leaf node requires key" : undefined;
}

/**
 * Why a filter is invalid, in Centrifugo's words (logged; clients only get
 * 107), or undefined when it is valid. No limits on depth or size beyond
 * the transport's message size, as in Centrifugo. Iterative, so a filter
 * nested deeper than the call stack is still checked, not a crash.
 */
export function validateFilter(root: FilterNode): string | undefined {
  const pending: FilterNode[] = [root];
  while (pending.length > 0) {
    const node = pending.pop()!;
    switch (node.op) {
      case "":
        {
          const error = validateLeaf(node);
          if (error) return error;
        }
        break;
      case "and":
      case "or":
        if (node.nodes.length === 0) return `${node.op} node must have at least one child`;
        pending.push(...node.nodes);
        break;
      case "not":
        if (node.nodes.length !== 1) return "not node must have exactly one child";
        pending.push(node.nodes[0]!);
        break;
      default:
        return `invalid op: ${node.op}`;
    }
  }
  return undefined;
}
