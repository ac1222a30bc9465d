import type { DescMethod } from "@bufbuild/protobuf";
import { PublishResponseSchema } from "../../../gen/centrifugal/centrifugo/api/api_pb.js";
import { varintSize, writeVarint } from "../../protocol/varint.js";

/** Offsets up to here are written as numbers; a larger one (never seen in practice) goes the general way. */
const maxSafe = BigInt(Number.MAX_SAFE_INTEGER);

/** The result of a successful Publish as the service returns it, or undefined for any other response. */
function publishResult(method: DescMethod, response: unknown): { offset: number; epoch: string } | undefined {
  if (method.output !== PublishResponseSchema) return undefined;
  const r = response as {
    error?: unknown;
    result?: { offset?: unknown; epoch?: unknown; $unknown?: unknown };
  };
  const result = r.result;
  if (r.error !== undefined || typeof result !== "object" || result === null) return undefined;
  const { offset, epoch } = result;
  if (typeof offset !== "bigint" || offset < 0n || offset > maxSafe) return undefined;
  if (typeof epoch !== "string" || result.$unknown !== undefined) return undefined;
  return { offset: Number(offset), epoch };
}

/**
 * A successful Publish's `PublishResponse` in protobuf binary, byte for byte
 * what `toBinary(create(PublishResponseSchema, response))` writes (field 2,
 * `PublishResult`, holding the offset and epoch that are not zero or empty),
 * written without the reflective encoder: the reply to the API's commonest
 * call. Undefined for any other method or response, which the caller encodes
 * the general way.
 */
export function publishReplyBinary(method: DescMethod, response: unknown): Uint8Array | undefined {
  const found = publishResult(method, response);
  if (!found) return undefined;
  const { offset, epoch } = found;
  const epochBytes = epoch === "" ? 0 : Buffer.byteLength(epoch);
  const inner =
    (offset === 0 ? 0 : 1 + varintSize(offset)) +
    (epoch === "" ? 0 : 1 + varintSize(epochBytes) + epochBytes);
  const out = Buffer.allocUnsafe(1 + varintSize(inner) + inner);
  out[0] = 0x12;
  let at = writeVarint(out, 1, inner);
  if (offset !== 0) {
    out[at++] = 0x08;
    at = writeVarint(out, at, offset);
  }
  if (epoch !== "") {
    out[at++] = 0x12;
    at = writeVarint(out, at, epochBytes);
    out.write(epoch, at, "utf8");
  }
  return out;
}

/**
 * The same reply in protobuf JSON, as connect-es writes it with protobuf-es'
 * default options (`{"result":{"offset":"…","epoch":"…"}}`, zero and empty
 * fields left out); undefined for anything else.
 */
export function publishReplyJson(method: DescMethod, response: unknown): string | undefined {
  const found = publishResult(method, response);
  if (!found) return undefined;
  const { offset, epoch } = found;
  const fields =
    offset === 0
      ? epoch === ""
        ? ""
        : `"epoch":${JSON.stringify(epoch)}`
      : epoch === ""
        ? `"offset":"${offset}"`
        : `"offset":"${offset}","epoch":${JSON.stringify(epoch)}`;
  return `{"result":{${fields}}}`;
}
