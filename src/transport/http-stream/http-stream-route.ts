import type { ClientContext } from "../../client/client-context.js";
import { jsonCodec } from "../../protocol/json-codec.js";
import { protobufCodec } from "../../protocol/protobuf-codec.js";
import type { SessionRegistry } from "../emulation/session-registry.js";
import { lengthDelimited, newlineTerminated } from "../http/framing.js";
import { bodyBytes, isBinaryBody } from "../http/raw-body.js";
import { openStreamSession } from "../http/stream-session.js";
import { refuse, type TransportRoute } from "../http/transport-route.js";

/**
 * `POST /connection/http_stream`: centrifuge-js's HTTP-streaming transport.
 * The body holds the connect command (protobuf when sent as
 * `application/octet-stream`, JSON otherwise); replies and pushes stream back
 * in the response, newline-terminated JSON or varint-delimited protobuf.
 * Later commands arrive through `/emulation`.
 */
export function createHttpStreamRoute(ctx: ClientContext, sessions: SessionRegistry): TransportRoute {
  const { handler_prefix: path, max_request_body_size: bodyLimit } = ctx.config.http_stream;
  return {
    path,
    methods: ["POST"],
    bodyLimit,
    async handle(request, reply) {
      const binary = isBinaryBody(request);
      const codec = binary ? protobufCodec : jsonCodec;
      const frame = bodyBytes(request);
      const decoded = codec.decodeCommands(frame);
      if ("error" in decoded) return refuse(reply, 400, `bad connect request: ${decoded.error}`);
      const session = openStreamSession(ctx, sessions, reply, {
        name: "http_stream",
        codec,
        unidirectional: false,
        emulation: true,
        framing: binary ? lengthDelimited : newlineTerminated,
        contentType: binary ? "application/octet-stream" : "application/json",
      });
      session.handleFrame(frame);
    },
  };
}
