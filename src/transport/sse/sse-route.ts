import type { ClientContext } from "../../client/client-context.js";
import { jsonCodec } from "../../protocol/json-codec.js";
import type { SessionRegistry } from "../emulation/session-registry.js";
import { connectParam } from "../http/connect-param.js";
import { serverSentEvents } from "../http/framing.js";
import { openStreamSession } from "../http/stream-session.js";
import { refuse, type TransportRoute } from "../http/transport-route.js";

const prelude = Buffer.from("\r\n");

/**
 * `GET /connection/sse?cf_connect=…`: centrifuge-js's EventSource transport,
 * JSON only. Every reply and push is one `data:` event; later commands arrive
 * through `/emulation`.
 */
export function createSseRoute(ctx: ClientContext, sessions: SessionRegistry): TransportRoute {
  const { handler_prefix: path, max_request_body_size: bodyLimit } = ctx.config.sse;
  return {
    path,
    methods: ["GET", "POST"],
    bodyLimit,
    async handle(request, reply) {
      const frame = connectParam(request);
      if (frame === undefined) return refuse(reply, 400, "cf_connect query parameter required");
      const decoded = jsonCodec.decodeCommands(frame);
      if ("error" in decoded) return refuse(reply, 400, `bad connect request: ${decoded.error}`);
      const session = openStreamSession(ctx, reply, {
        name: "sse",
        codec: jsonCodec,
        unidirectional: false,
        emulation: true,
        framing: serverSentEvents,
        contentType: "text/event-stream; charset=utf-8",
        prelude,
      });
      sessions.track(session, reply.raw);
      session.handleFrame(frame);
    },
  };
}
