import type { ClientContext } from "../../client/client-context.js";
import { ClientSession } from "../../client/session.js";
import { websocketCompression } from "../../config/websocket-schema.js";
import { jsonCodec } from "../../protocol/json-codec.js";
import { protobufCodec } from "../../protocol/protobuf-codec.js";
import type { UpgradeHandler } from "../upgrade-router.js";
import { WebSocketTransport } from "./websocket-transport.js";
import { acceptWebSockets } from "./websocket-upgrade.js";

const protobufSubprotocol = "centrifuge-protobuf";
const jsonSubprotocol = "centrifuge-json";

/** The subprotocol, or the query (parsed only when the request has one). */
function wantsProtobuf(requestUrl: string, subprotocol: string): boolean {
  if (subprotocol === protobufSubprotocol) return true;
  if (!requestUrl.includes("?")) return false;
  const query = new URL(requestUrl, "http://localhost").searchParams;
  return query.get("format") === "protobuf" || query.get("cf_protocol") === "protobuf";
}

/**
 * `GET /connection/websocket`: the bidirectional client protocol over
 * WebSocket, JSON by default, protobuf on request (query or subprotocol).
 * Frames over `websocket.message_size_limit` close the connection with 1009;
 * with `websocket.compression`, permessage-deflate is negotiated on offer.
 */
export function createWebSocketHandler(ctx: ClientContext): UpgradeHandler {
  const compression = websocketCompression(ctx.config.websocket);
  const options = {
    maxPayload: ctx.config.websocket.message_size_limit,
    compression,
    handleProtocols: (offered: Set<string>) =>
      offered.has(protobufSubprotocol)
        ? protobufSubprotocol
        : offered.has(jsonSubprotocol)
          ? jsonSubprotocol
          : false,
  };
  return acceptWebSockets(ctx, options, (ws, req) => {
    const codec = wantsProtobuf(req.url ?? "/", ws.protocol) ? protobufCodec : jsonCodec;
    const transport = new WebSocketTransport(ws, {
      name: "websocket",
      codec,
      unidirectional: false,
      pushDisconnect: false,
      joinBatches: true,
      writeTimeoutMs: ctx.config.websocket.write_timeout,
      compression,
    });
    const session = new ClientSession(ctx, transport, { http: req.headers });
    ws.on("message", (data: Buffer) => session.handleFrame(data));
    return session;
  });
}
