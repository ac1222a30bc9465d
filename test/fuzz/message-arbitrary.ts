import { type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import fc from "fast-check";

/**
 * Values a field of a given name tends to hold, so generated messages reach
 * past the first validity checks (a channel that exists, a token that
 * verifies) as often as they fall at them.
 */
export interface ValuePools {
  readonly channels: readonly string[];
  readonly tokens: readonly string[];
  /** JSON documents and a few things that are not. */
  readonly payloads: readonly string[];
}

const int32Edges = [0, 1, -1, 2, 100, 2 ** 31 - 1, -(2 ** 31)];
const uint32Edges = [0, 1, 2, 100, 2 ** 32 - 1];
const int64Edges = [0n, 1n, -1n, 100n, 2n ** 53n, 2n ** 63n - 1n, -(2n ** 63n)];
const uint64Edges = [0n, 1n, 100n, 2n ** 53n + 1n, 2n ** 64n - 1n];
const oddStrings = ["", " ", "x".repeat(300), "😀", "a\u0000b", "\ud800", "\u202e", "ns:", ":", "#", "$"];

function stringArb(field: DescField, pools: ValuePools): fc.Arbitrary<string> {
  const name = field.name.toLowerCase();
  const free = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom(...oddStrings));
  if (name.includes("channel") || name === "key") return fc.oneof(fc.constantFrom(...pools.channels), free);
  if (name.includes("token")) return fc.oneof(fc.constantFrom(...pools.tokens), free);
  return fc.oneof({ weight: 3, arbitrary: fc.constantFrom("", "a", "user-1", "fossil", "epoch") }, free);
}

function scalarArb(field: DescField, scalar: ScalarType, pools: ValuePools): fc.Arbitrary<unknown> {
  switch (scalar) {
    case ScalarType.STRING:
      return stringArb(field, pools);
    case ScalarType.BYTES:
      return fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...pools.payloads).map((text) => Buffer.from(text)) },
        fc.uint8Array({ maxLength: 32 }),
      );
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return fc.oneof(fc.double(), fc.constantFrom(0, 1.5, -1));
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return fc.oneof(fc.constantFrom(...int32Edges), fc.integer());
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return fc.oneof(fc.constantFrom(...uint32Edges), fc.nat());
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return fc.oneof(fc.constantFrom(...uint64Edges), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));
    default:
      return fc.oneof(fc.constantFrom(...int64Edges), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }));
  }
}

function fieldArb(field: DescField, pools: ValuePools, depth: number): fc.Arbitrary<unknown> | undefined {
  switch (field.fieldKind) {
    case "scalar":
      return scalarArb(field, field.scalar, pools);
    case "enum":
      return fc.oneof(
        fc.constantFrom(...field.enum.values.map((v) => v.number)),
        fc.integer({ min: -1, max: 9 }),
      );
    case "message":
      return depth > 0 ? messageArb(field.message, pools, depth - 1) : undefined;
    case "list": {
      const item =
        field.listKind === "scalar"
          ? scalarArb(field, field.scalar, pools)
          : field.listKind === "enum"
            ? fc.integer({ min: 0, max: 3 })
            : depth > 0
              ? messageArb(field.message, pools, depth - 1)
              : undefined;
      return item && fc.array(item, { maxLength: 3 });
    }
    case "map": {
      const value =
        field.mapKind === "scalar"
          ? scalarArb(field, field.scalar, pools)
          : field.mapKind === "enum"
            ? fc.integer({ min: 0, max: 3 })
            : depth > 0
              ? messageArb(field.message, pools, depth - 1)
              : undefined;
      return value && fc.dictionary(stringArb(field, pools), value, { maxKeys: 3 });
    }
  }
}

/**
 * Init objects for `create(desc, init)` for any protobuf message: each field
 * present or not, scalars drawn from edge values and the pools, nested
 * messages down to `depth`. Fields of a oneof come as protobuf-es `{case, value}`.
 */
export function messageArb(
  desc: DescMessage,
  pools: ValuePools,
  depth = 2,
): fc.Arbitrary<Record<string, unknown>> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of desc.fields) {
    if (field.oneof) continue;
    const arb = fieldArb(field, pools, depth);
    if (arb) model[field.localName] = arb;
  }
  const plain = fc.record(model, { requiredKeys: [] });
  if (desc.oneofs.length === 0) return plain;
  const oneofs = desc.oneofs.map((oneof) => {
    const choices = oneof.fields
      .map((field) => fieldArb(field, pools, depth)?.map((value) => ({ case: field.localName, value })))
      .filter((arb) => arb !== undefined);
    return [
      oneof.localName,
      choices.length > 0 ? fc.option(fc.oneof(...choices)) : fc.constant(null),
    ] as const;
  });
  return fc.tuple(plain, ...oneofs.map(([, arb]) => arb)).map(([fields, ...values]) => {
    const init: Record<string, unknown> = { ...fields };
    oneofs.forEach(([name], i) => {
      if (values[i]) init[name] = values[i];
    });
    return init;
  });
}
