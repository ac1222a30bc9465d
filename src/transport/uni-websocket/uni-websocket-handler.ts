import type { ClientContext } from "../../client/client-context.js";
import { ClientSession } from "../../client/session.js";
import { websocketCompression } from "../../config/websocket-schema.js";
import { disconnects } from "../../errors/disconnect.js";
import { jsonCodec } from "../../protocol/json-codec.js";
import { uniConnectFrame } from "../connect-request.js";
import type { UpgradeHandler } from "../upgrade-router.js";
import { WebSocketTransport } from "../websocket/websocket-transport.js";
import { acceptWebSockets } from "../websocket/websocket-upgrade.js";

/**
 * `GET /connection/uni_websocket`: server → client pushes over WebSocket. The
 * JSON `ConnectRequest` comes in the `cf_connect` query parameter or as the
 * first message; anything the client sends after it is ignored. A request
 * that is not valid JSON closes the connection with 3501.
 */
export function createUniWebSocketHandler(ctx: ClientContext): UpgradeHandler {
  const options = ctx.config.uni_websocket;
  const compression = websocketCompression(options);
  const endpoint = { maxPayload: options.message_size_limit, compression };
  return acceptWebSockets(ctx, endpoint, (ws, req) => {
    const transport = new WebSocketTransport(ws, {
      name: "uni_websocket",
      codec: jsonCodec,
      unidirectional: true,
      pushDisconnect: !options.disable_disconnect_push,
      joinBatches: options.join_push_messages,
      writeTimeoutMs: options.write_timeout,
      compression,
      skipClosingHandshake: options.disable_closing_handshake,
    });
    const session = new ClientSession(ctx, transport, { http: req.headers });
    let connectSeen = false;
    const start = (request: Uint8Array) => {
      connectSeen = true;
      const connect = uniConnectFrame(request);
      if ("error" in connect) {
        ctx.log.debug({ client: session.id, reason: connect.error }, "bad uni_websocket connect");
        session.close(disconnects.badRequest);
        return;
      }
      session.handleFrame(connect.frame);
    };
    ws.on("message", (data: Buffer) => {
      if (!connectSeen) start(data);
    });
    const param = new URL(req.url ?? "/", "http://localhost").searchParams.get("cf_connect");
    if (param !== null) start(Buffer.from(param, "utf8"));
    return session;
  });
}
