import { WebSocketServer } from "ws";
import type { ClientContext } from "../../client/client-context.js";
import { ClientSession } from "../../client/session.js";
import { jsonCodec } from "../../protocol/json-codec.js";
import { protobufCodec } from "../../protocol/protobuf-codec.js";
import { createOriginCheck, originRefusal } from "../origin.js";
import { refuseUpgrade, type UpgradeHandler } from "../upgrade-router.js";
import { WebSocketTransport } from "./websocket-transport.js";

const protobufSubprotocol = "centrifuge-protobuf";
const jsonSubprotocol = "centrifuge-json";

function wantsProtobuf(url: URL, subprotocol: string): boolean {
  return (
    url.searchParams.get("format") === "protobuf" ||
    url.searchParams.get("cf_protocol") === "protobuf" ||
    subprotocol === protobufSubprotocol
  );
}

/**
 * `GET /connection/websocket`: the bidirectional client protocol over
 * WebSocket, JSON by default, protobuf on request (query or subprotocol).
 * Frames over `websocket.message_size_limit` close the connection with 1009.
 */
export function createWebSocketHandler(ctx: ClientContext): UpgradeHandler {
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: ctx.config.websocket.message_size_limit,
    clientTracking: false,
    handleProtocols: (offered) =>
      offered.has(protobufSubprotocol)
        ? protobufSubprotocol
        : offered.has(jsonSubprotocol)
          ? jsonSubprotocol
          : false,
  });
  const originAllowed = createOriginCheck(ctx.config.client.allowed_origins);

  return (req, socket, head) => {
    if (!originAllowed(req.headers)) {
      refuseUpgrade(socket, 403, originRefusal);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const url = new URL(req.url ?? "/", "http://localhost");
      const codec = wantsProtobuf(url, ws.protocol) ? protobufCodec : jsonCodec;
      const transport = new WebSocketTransport(ws, {
        name: "websocket",
        codec,
        unidirectional: false,
        pushDisconnect: false,
        joinBatches: true,
      });
      const session = new ClientSession(ctx, transport);
      ws.on("message", (data: Buffer) => session.handleFrame(data));
      ws.on("close", () => session.closedByTransport());
      ws.on("error", (err) => {
        ctx.log.debug({ err, client: session.id }, "websocket error");
        session.closedByTransport();
      });
    });
  };
}
