import type { ClientContext } from "../../client/client-context.js";
import { jsonCodec } from "../../protocol/json-codec.js";
import { uniConnectFrame } from "../connect-request.js";
import type { SessionRegistry } from "../emulation/session-registry.js";
import { newlineTerminated } from "../http/framing.js";
import { bodyBytes } from "../http/raw-body.js";
import { openStreamSession } from "../http/stream-session.js";
import { refuse, type TransportRoute } from "../http/transport-route.js";

/**
 * `POST /connection/uni_http_stream` with a JSON `ConnectRequest` body: the
 * response streams bare pushes, each JSON object followed by a newline — easy
 * to read with `fetch` or `curl -N`.
 */
export function createUniHttpStreamRoute(ctx: ClientContext, sessions: SessionRegistry): TransportRoute {
  const { handler_prefix: path, max_request_body_size: bodyLimit } = ctx.config.uni_http_stream;
  return {
    path,
    methods: ["POST"],
    bodyLimit,
    async handle(request, reply) {
      const connect = uniConnectFrame(bodyBytes(request));
      if ("error" in connect) return refuse(reply, 400, connect.error);
      const session = openStreamSession(ctx, sessions, reply, {
        name: "uni_http_stream",
        codec: jsonCodec,
        unidirectional: true,
        emulation: false,
        connectResponses: ctx.config.uni_http_stream.connect_code_to_http_response,
        framing: newlineTerminated,
        contentType: "application/json",
      });
      session.handleFrame(connect.frame);
    },
  };
}
