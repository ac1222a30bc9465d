import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { EmulationRequestSchema } from "../../../gen/centrifugal/centrifuge/protocol/client_pb.js";
import type { Node } from "../../node/node.js";
import { type SurveyReply, surveyCodes } from "../../node/surveys.js";
import type { EmulationRequest } from "./emulation-request.js";
import type { SessionRegistry } from "./session-registry.js";

/** Centrifugo's survey op for emulation requests that reached another node than their session's. */
const emulationOp = "centrifuge_emulation";
const empty = new Uint8Array();

/**
 * Hands an emulation request to the node that holds the session, as
 * Centrifugo's nodes do: a survey to that one node carrying an
 * `EmulationRequest`, in which JSON-protocol commands travel as a JSON string
 * literal. Resolves to that node's answer.
 */
export function forwardEmulation(
  node: Node,
  request: EmulationRequest,
  binary: boolean,
): Promise<SurveyReply> {
  const data = binary
    ? request.data
    : Buffer.from(JSON.stringify(Buffer.from(request.data).toString("utf8")));
  const message = create(EmulationRequestSchema, { node: request.node, session: request.session, data });
  return node.cluster.surveyNode(request.node, emulationOp, toBinary(EmulationRequestSchema, message));
}

/** The command text inside a JSON string literal; undefined when the bytes are not one. */
function jsonCommands(data: Uint8Array): Uint8Array | undefined {
  try {
    const text: unknown = JSON.parse(Buffer.from(data).toString("utf8"));
    return typeof text === "string" ? Buffer.from(text, "utf8") : undefined;
  } catch {
    return undefined;
  }
}

/** Answers forwarded emulation requests for the sessions this node holds: code 2 when the session is unknown. */
export function answerEmulation(node: Node, sessions: SessionRegistry): void {
  node.cluster.onSurvey(emulationOp, (data) => {
    const request = fromBinary(EmulationRequestSchema, data);
    const session = sessions.find(request.session);
    if (!session?.transport.emulation) return { code: surveyCodes.invalid, data: empty };
    const commands = session.codec.name === "json" ? jsonCommands(request.data) : request.data;
    if (!commands) return { code: surveyCodes.internal, data: empty };
    session.handleFrame(commands);
    return { code: surveyCodes.ok, data: empty };
  });
}
