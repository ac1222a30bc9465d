import type { IncomingMessage } from "node:http";
import { type ServerOptions, type WebSocket, WebSocketServer } from "ws";
import type { ClientContext } from "../../client/client-context.js";
import type { ClientSession } from "../../client/session.js";
import { createOriginCheck, originRefusal } from "../origin.js";
import { refuseUpgrade, type UpgradeHandler } from "../upgrade-router.js";

/**
 * What both WebSocket transports do with an upgrade: browsers on origins
 * outside `client.allowed_origins` get 403 before any handshake; ws runs
 * without compression (the transport writes pre-built frames straight to the
 * socket) and without its own client list (the hub keeps one); the session
 * `open` makes for the socket ends when the socket does.
 */
export function acceptWebSockets(
  ctx: ClientContext,
  options: Pick<ServerOptions, "maxPayload" | "handleProtocols">,
  open: (ws: WebSocket, req: IncomingMessage) => ClientSession,
): UpgradeHandler {
  const wss = new WebSocketServer({
    ...options,
    noServer: true,
    perMessageDeflate: false,
    clientTracking: false,
  });
  const originAllowed = createOriginCheck(ctx.config.client.allowed_origins, ctx.log);

  return (req, socket, head) => {
    if (!originAllowed(req.headers)) {
      refuseUpgrade(socket, 403, originRefusal);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const session = open(ws, req);
      ws.on("close", () => session.closedByTransport());
      ws.on("error", (err) => {
        ctx.log.debug({ err, client: session.id }, `${session.transport.name} error`);
        session.closedByTransport();
      });
    });
  };
}
