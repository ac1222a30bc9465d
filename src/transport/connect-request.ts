import { create } from "@bufbuild/protobuf";
import { CommandSchema, ConnectRequestSchema } from "../../gen/centrifugal/centrifuge/protocol/client_pb.js";
import { decodeJsonMessage } from "../protocol/json/json-decode.js";
import { encodeJsonMessage } from "../protocol/json/json-encode.js";

/**
 * A unidirectional client's JSON `ConnectRequest` (query parameter, body or
 * first message; empty means no token and no subs) as the connect command a
 * JSON session reads, so uni transports authenticate exactly as the others do.
 */
export function uniConnectFrame(request: Uint8Array): { frame: Uint8Array } | { error: string } {
  const decoded =
    request.length === 0
      ? { value: create(ConnectRequestSchema) }
      : decodeJsonMessage(ConnectRequestSchema, request);
  if ("error" in decoded) return { error: `bad connect request: ${decoded.error}` };
  const command = create(CommandSchema, { id: 1, connect: decoded.value });
  const encoded = encodeJsonMessage(CommandSchema, command);
  if ("error" in encoded) return { error: `bad connect request: ${encoded.error}` };
  return { frame: encoded.value };
}
