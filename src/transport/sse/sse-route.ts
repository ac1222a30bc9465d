import type { ClientContext } from "../../client/client-context.js";
import { jsonCodec } from "../../protocol/json-codec.js";
import type { SessionRegistry } from "../emulation/session-registry.js";
import { connectParam } from "../http/connect-param.js";
import { eventStream, openStreamSession } from "../http/stream-session.js";
import { refuse, type TransportRoute } from "../http/transport-route.js";

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
      const session = openStreamSession(ctx, sessions, reply, {
        name: "sse",
        codec: jsonCodec,
        unidirectional: false,
        emulation: true,
        ...eventStream,
      });
      session.handleFrame(frame);
    },
  };
}
