import { fromBinary } from "@bufbuild/protobuf";
import { EmulationRequestSchema } from "../../../gen/centrifugal/centrifuge/protocol/client_pb.js";

/** Commands a client sends to its emulated connection: which node and session, and the encoded commands. */
export interface EmulationRequest {
  readonly node: string;
  readonly session: string;
  readonly data: Uint8Array;
}

type Parsed = { request: EmulationRequest } | { error: string };

function fromJson(body: Buffer): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(body.toString("utf8"));
  } catch {
    return { error: "body is not JSON" };
  }
  if (typeof value !== "object" || value === null) return { error: "body must be a JSON object" };
  const { node, session, data } = value as Record<string, unknown>;
  if (typeof node !== "string" || typeof session !== "string") {
    return { error: "node and session must be strings" };
  }
  if (typeof data !== "string") return { error: "data must be a string of commands" };
  return { request: { node, session, data: Buffer.from(data, "utf8") } };
}

function fromProtobuf(body: Buffer): Parsed {
  try {
    const { node, session, data } = fromBinary(EmulationRequestSchema, body);
    return { request: { node, session, data } };
  } catch (err) {
    return { error: `malformed EmulationRequest: ${(err as Error).message}` };
  }
}

/**
 * Parses a `/emulation` body: JSON `{"session","node","data"}` with the
 * commands as a JSON string, or a protobuf `EmulationRequest`. Bad bodies are
 * results, not exceptions: they come from the network.
 */
export function parseEmulationRequest(body: Buffer, binary: boolean): Parsed {
  if (body.length === 0) return { error: "empty body" };
  return binary ? fromProtobuf(body) : fromJson(body);
}
