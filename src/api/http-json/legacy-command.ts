import { ScalarType } from "@bufbuild/protobuf";
import { JsonInputError, withPath } from "../../protocol/json/json-input-error.js";
import type { JsonReader } from "../../protocol/json/json-reader.js";
import { readScalar, typeMismatch } from "../../protocol/json/json-scalars.js";
import { type HttpApiMethod, legacyMethodByName, legacyMethodByNumber } from "./method-table.js";

/** One `{"id","method","params"}` command of the legacy `POST /api` stream. */
export interface LegacyCommand {
  readonly id: number;
  /** undefined: a method number that means nothing (reply 104). */
  readonly method: HttpApiMethod | undefined;
  /** The raw `params` value, undefined when absent. */
  readonly params: Buffer | undefined;
}

function readMethod(r: JsonReader): HttpApiMethod | undefined {
  const b = r.peek();
  if (b === 0x22) {
    const name = r.readString();
    const method = legacyMethodByName(name);
    if (!method) throw new JsonInputError(`unknown method ${JSON.stringify(name)}`);
    return method;
  }
  if (b === 0x2d || (b >= 0x30 && b <= 0x39)) {
    return legacyMethodByNumber(readScalar(r, ScalarType.INT32, false, 1) as number);
  }
  return typeMismatch(r, "a method name or number");
}

/**
 * Reads the next command of the stream (the cursor on its `{`). Keys match
 * case-insensitively, a missing or null `method` means publish (0), and an
 * unknown method name fails the whole request, as in Centrifugo.
 */
export function readLegacyCommand(r: JsonReader): LegacyCommand {
  if (r.peek() !== 0x7b) typeMismatch(r, "a command object");
  let id = 0;
  let method = legacyMethodByNumber(0);
  let params: Buffer | undefined;
  for (let more = r.openObject(); more; more = r.nextMember()) {
    const key = r.readKey().toLowerCase();
    try {
      if (key === "id") {
        id = (readScalar(r, ScalarType.UINT32, false, 1) as number | undefined) ?? id;
      } else if (key === "method") {
        if (r.peek() === 0x6e) r.literal("null");
        else method = readMethod(r);
      } else if (key === "params") {
        r.peek();
        const start = r.pos;
        r.skipValue(1);
        params = r.bytes.subarray(start, r.pos);
      } else {
        r.skipValue(1);
      }
    } catch (err) {
      throw withPath(err, key);
    }
  }
  return { id, method, params };
}
