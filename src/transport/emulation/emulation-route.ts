import type { ClientContext } from "../../client/client-context.js";
import { bodyBytes, isBinaryBody } from "../http/raw-body.js";
import { refuse, type TransportRoute } from "../http/transport-route.js";
import { parseEmulationRequest } from "./emulation-request.js";
import type { SessionRegistry } from "./session-registry.js";

/**
 * `POST /emulation`: the way back from an HTTP-streaming or SSE client. The
 * commands go to the session named in the body; replies travel on that
 * session's stream, so this answers 204 as soon as they are queued. A session
 * on another node, or one that is gone, gets 404 (the client then reconnects).
 */
export function createEmulationRoute(ctx: ClientContext, sessions: SessionRegistry): TransportRoute {
  const { handler_prefix: path, max_request_body_size: bodyLimit } = ctx.config.emulation;
  return {
    path,
    methods: ["POST"],
    bodyLimit,
    async handle(request, reply) {
      const parsed = parseEmulationRequest(bodyBytes(request), isBinaryBody(request));
      if ("error" in parsed) return refuse(reply, 400, `bad emulation request: ${parsed.error}`);
      const { node, session: id, data } = parsed.request;
      if (node !== ctx.node.id) return refuse(reply, 404, "unknown node");
      const session = sessions.find(id);
      if (!session?.transport.emulation) return refuse(reply, 404, "session not found");
      session.handleFrame(data);
      await reply.code(204).send();
    },
  };
}
