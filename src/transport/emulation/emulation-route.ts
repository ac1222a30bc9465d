import type { ClientContext } from "../../client/client-context.js";
import { surveyCodes } from "../../node/surveys.js";
import { bodyBytes, isBinaryBody } from "../http/raw-body.js";
import { refuse, type TransportRoute } from "../http/transport-route.js";
import { parseEmulationRequest } from "./emulation-request.js";
import { answerEmulation, forwardEmulation } from "./emulation-survey.js";
import type { SessionRegistry } from "./session-registry.js";

/**
 * `POST /emulation`: the way back from an HTTP-streaming or SSE client. The
 * commands go to the session named in the body, on this node or, through the
 * node that holds it, on another; replies travel on that session's stream,
 * so this answers 204 as soon as they are queued. An unknown node or a
 * session that is gone gets 404 (the client then reconnects).
 */
export function createEmulationRoute(ctx: ClientContext, sessions: SessionRegistry): TransportRoute {
  const { handler_prefix: path, max_request_body_size: bodyLimit } = ctx.config.emulation;
  answerEmulation(ctx.node, sessions);
  return {
    path,
    methods: ["POST"],
    bodyLimit,
    async handle(request, reply) {
      const binary = isBinaryBody(request);
      const parsed = parseEmulationRequest(bodyBytes(request), binary);
      if ("error" in parsed) return refuse(reply, 400, `bad emulation request: ${parsed.error}`);
      const { node, session: id, data } = parsed.request;
      if (node === ctx.node.id) {
        const session = sessions.find(id);
        if (!session?.transport.emulation) return refuse(reply, 404, "session not found");
        session.handleFrame(data);
      } else {
        if (!ctx.node.cluster.knows(node)) return refuse(reply, 404, "unknown node");
        try {
          const answer = await forwardEmulation(ctx.node, parsed.request, binary);
          if (answer.code === surveyCodes.invalid) return refuse(reply, 404, "session not found");
        } catch (err) {
          ctx.log.warn({ err, node }, "emulation request to another node failed");
          return refuse(reply, 500, "node did not answer");
        }
      }
      await reply.code(204).send();
    },
  };
}
