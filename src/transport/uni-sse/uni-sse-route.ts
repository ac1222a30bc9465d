import type { ClientContext } from "../../client/client-context.js";
import { jsonCodec } from "../../protocol/json-codec.js";
import { uniConnectFrame } from "../connect-request.js";
import type { SessionRegistry } from "../emulation/session-registry.js";
import { connectParam } from "../http/connect-param.js";
import { eventStream, openStreamSession } from "../http/stream-session.js";
import { refuse, type TransportRoute } from "../http/transport-route.js";

/**
 * `GET /connection/uni_sse?cf_connect=<ConnectRequest JSON>` (or POST with
 * the request as body): a browser EventSource receives bare pushes, the
 * connect push first, one `data:` event each. No parameter means an empty
 * request (anonymous, if the config allows it).
 */
export function createUniSseRoute(ctx: ClientContext, sessions: SessionRegistry): TransportRoute {
  const { handler_prefix: path, max_request_body_size: bodyLimit } = ctx.config.uni_sse;
  return {
    path,
    methods: ["GET", "POST"],
    bodyLimit,
    async handle(request, reply) {
      const connect = uniConnectFrame(connectParam(request) ?? Buffer.alloc(0));
      if ("error" in connect) return refuse(reply, 400, connect.error);
      const session = openStreamSession(ctx, sessions, reply, {
        name: "uni_sse",
        codec: jsonCodec,
        unidirectional: true,
        emulation: false,
        connectResponses: ctx.config.uni_sse.connect_code_to_http_response,
        ...eventStream,
      });
      session.handleFrame(connect.frame);
    },
  };
}
