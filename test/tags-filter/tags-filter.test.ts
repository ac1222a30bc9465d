import assert from "node:assert/strict";
import { test } from "node:test";
import { create, fromBinary, fromJsonString, toBinary } from "@bufbuild/protobuf";
import { FilterNodeSchema } from "../../gen/centrifugal/centrifuge/protocol/client_pb.js";
import { compareDecimals, parseDecimal } from "../../src/tags-filter/decimal.js";
import type { FilterNode } from "../../src/tags-filter/filter-node.js";
import { validateFilter } from "../../src/tags-filter/filter-node.js";
import { matchesFilter } from "../../src/tags-filter/match-filter.js";

/** A node as a client sends it: unset fields are empty, as after protobuf or JSON decoding. */
const node = (n: Partial<FilterNode>): FilterNode => ({
  op: "",
  key: "",
  cmp: "",
  val: "",
  vals: [],
  nodes: [],
  ...n,
});
const leaf = (key: string, cmp: string, val: string | string[] = "") =>
  node(Array.isArray(val) ? { key, cmp, vals: val } : { key, cmp, val });

const tags = { team: "red", name: "Alice", score: "10.50", empty: "" };

test("every comparison operator, on present and absent tags", () => {
  const cases: [FilterNode, boolean][] = [
    [leaf("team", "eq", "red"), true],
    [leaf("team", "eq", "Red"), false],
    [leaf("missing", "eq", "x"), false],
    [leaf("team", "neq", "blue"), true],
    [leaf("team", "neq", "red"), false],
    [leaf("missing", "neq", "x"), true],
    [leaf("team", "in", ["blue", "red"]), true],
    [leaf("team", "in", ["blue"]), false],
    [leaf("missing", "in", ["", "x"]), true],
    [leaf("missing", "in", ["x"]), false],
    [leaf("team", "nin", ["blue"]), true],
    [leaf("team", "nin", ["red"]), false],
    [leaf("missing", "nin", [""]), false],
    [leaf("missing", "nin", ["x"]), true],
    [leaf("team", "ex"), true],
    [leaf("empty", "ex"), true],
    [leaf("missing", "ex"), false],
    [leaf("missing", "nex"), true],
    [leaf("team", "nex"), false],
    [leaf("name", "sw", "Al"), true],
    [leaf("name", "sw", "al"), false],
    [leaf("missing", "sw", "x"), false],
    [leaf("name", "ew", "ice"), true],
    [leaf("name", "ew", "Ali"), false],
    [leaf("name", "ct", "lic"), true],
    [leaf("name", "ct", "LIC"), false],
    [leaf("missing", "ct", "x"), false],
    [leaf("score", "gt", "10.4"), true],
    [leaf("score", "gt", "10.5"), false],
    [leaf("score", "gte", "10.5"), true],
    [leaf("score", "gte", "10.51"), false],
    [leaf("score", "lt", "11"), true],
    [leaf("score", "lt", "10.50"), false],
    [leaf("score", "lte", "10.500"), true],
    [leaf("score", "lte", "-11"), false],
    [leaf("name", "gt", "1"), false],
    [leaf("score", "gt", "1e1"), false],
    [leaf("missing", "lt", "100"), false],
  ];
  for (const [filter, expected] of cases) {
    assert.equal(
      matchesFilter(filter, tags),
      expected,
      `${filter.key} ${filter.cmp} ${filter.val || filter.vals}`,
    );
  }
  assert.equal(matchesFilter(leaf("team", "neq", "x"), undefined), true);
  assert.equal(matchesFilter(leaf("team", "ex"), undefined), false);
});

test("and, or and not combine children and short-circuit", () => {
  const yes = leaf("team", "eq", "red");
  const no = leaf("team", "eq", "blue");
  const cases: [FilterNode, boolean][] = [
    [node({ op: "and", nodes: [yes, yes] }), true],
    [node({ op: "and", nodes: [yes, no] }), false],
    [node({ op: "or", nodes: [no, yes] }), true],
    [node({ op: "or", nodes: [no, no] }), false],
    [node({ op: "not", nodes: [no] }), true],
    [node({ op: "not", nodes: [node({ op: "or", nodes: [no, yes] })] }), false],
  ];
  for (const [filter, expected] of cases)
    assert.equal(matchesFilter(filter, tags), expected, JSON.stringify(filter));
  let visited = 0;
  const counting = new Proxy(leaf("team", "eq", "red"), {
    get: (target, prop) => {
      if (prop === "cmp") visited++;
      return target[prop as keyof FilterNode];
    },
  });
  matchesFilter(node({ op: "or", nodes: [yes, counting] }), tags);
  matchesFilter(node({ op: "and", nodes: [no, counting] }), tags);
  assert.equal(visited, 0);
});

test("validation refuses each malformed shape with Centrifugo's reason", () => {
  const cases: [FilterNode, string | undefined][] = [
    [leaf("k", "eq", "v"), undefined],
    [leaf("k", "in", ["a"]), undefined],
    [leaf("", "ex"), undefined],
    [leaf("k", "nex"), undefined],
    [leaf("k", ""), "leaf node must have cmp set"],
    [leaf("k", "like", "v"), "unknown comparison operator: like"],
    [leaf("k", "eq"), "eq comparison requires Val"],
    [node({ key: "k", cmp: "gt", val: "1", vals: ["2"] }), "gt comparison must not use Vals"],
    [leaf("", "sw", "v"), "leaf node requires key"],
    [leaf("k", "in", []), "in comparison requires non-empty Vals"],
    [node({ key: "k", cmp: "nin", val: "v", vals: ["a"] }), "nin comparison must not use Val"],
    [leaf("", "in", ["a"]), "leaf node requires key"],
    [leaf("k", "ex", "v"), "ex comparison must not use Val or Vals"],
    [leaf("k", "nex", ["a"]), "nex comparison must not use Val or Vals"],
    [node({ op: "and" }), "and node must have at least one child"],
    [node({ op: "or" }), "or node must have at least one child"],
    [node({ op: "not", nodes: [leaf("a", "ex"), leaf("b", "ex")] }), "not node must have exactly one child"],
    [node({ op: "not" }), "not node must have exactly one child"],
    [node({ op: "xor", nodes: [leaf("a", "ex")] }), "invalid op: xor"],
    [
      node({ op: "and", nodes: [leaf("a", "ex"), node({ op: "or", nodes: [leaf("b", "eq")] })] }),
      "eq comparison requires Val",
    ],
  ];
  for (const [filter, expected] of cases)
    assert.equal(validateFilter(filter), expected, JSON.stringify(filter));
});

test("a filter nested far deeper than any stack is validated, and matches nothing rather than crashing", () => {
  let deep = leaf("team", "eq", "red");
  for (let i = 0; i < 200_000; i++) deep = node({ op: "not", nodes: [deep] });
  assert.equal(validateFilter(deep), undefined);
  assert.equal(matchesFilter(deep, tags), false);
});

test("decimals: Centrifugo's syntax and exact comparison", () => {
  for (const text of [
    "0",
    "-0",
    "+5",
    "007",
    "1.5",
    "-1.0000000000000000001",
    "123456789012345678901234567890",
  ]) {
    assert.ok(parseDecimal(text), text);
  }
  for (const text of [
    "",
    "+",
    "-",
    ".5",
    "5.",
    "1.2.3",
    "1e3",
    " 1",
    "1 ",
    "Inf",
    "NaN",
    "0x10",
    "--1",
    "1.12345678901234567890",
    "9".repeat(201),
  ]) {
    assert.equal(parseDecimal(text), undefined, text);
  }
  const cmp = (a: string, b: string) => compareDecimals(parseDecimal(a)!, parseDecimal(b)!);
  assert.equal(cmp("0.10", "0.1"), 0);
  assert.equal(cmp("-0", "0"), 0);
  assert.equal(cmp("-2", "-10"), 1);
  assert.equal(cmp("99999999999999999999", "100000000000000000000"), -1);
  assert.equal(cmp("1.000000000000000001", "1"), 1);
});

test("a filter decoded from JSON or protobuf is used as it is", () => {
  const json =
    '{"op":"and","nodes":[{"key":"team","cmp":"in","vals":["red","blue"]},{"key":"score","cmp":"gte","val":"10"}]}';
  const fromJson = fromJsonString(FilterNodeSchema, json);
  const fromProto = fromBinary(
    FilterNodeSchema,
    toBinary(FilterNodeSchema, create(FilterNodeSchema, fromJson)),
  );
  for (const filter of [fromJson, fromProto]) {
    assert.equal(validateFilter(filter), undefined);
    assert.equal(matchesFilter(filter, tags), true);
    assert.equal(matchesFilter(filter, { ...tags, score: "9.99" }), false);
  }
});
