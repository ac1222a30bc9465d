import type { IncomingMessage } from "node:http";
import { type ServerOptions, type WebSocket, WebSocketServer } from "ws";
import type { ClientContext } from "../../client/client-context.js";
import type { ClientSession } from "../../client/session.js";
import type { WebSocketCompression } from "../../config/websocket-schema.js";
import { createOriginCheck, originRefusal } from "../origin.js";
import { refuseUpgrade, type UpgradeHandler } from "../upgrade-router.js";

/** The one answer to any permessage-deflate offer: fresh contexts both ways, default windows. */
const deflateAnswer =
  "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover";

/** How one WebSocket endpoint accepts sockets. */
export interface WebSocketEndpoint extends Pick<ServerOptions, "handleProtocols"> {
  /** Largest incoming message on the wire (0: no limit). */
  readonly maxPayload: number;
  readonly compression: WebSocketCompression | undefined;
}

/** ws's receiver, whose limit is set per socket once the extensions are known. */
interface Receiver {
  _maxPayload: number;
}

/**
 * What both WebSocket transports do with an upgrade: browsers on origins
 * outside `client.allowed_origins` get 403 before any handshake; ws runs
 * without its own client list (the hub keeps one) and never deflates (the
 * transport writes pre-built, possibly pre-deflated, frames straight to the
 * socket); with compression on, ws accepts any permessage-deflate offer with
 * Centrifugo's one answer and inflates incoming messages up to the
 * decompressed limit; the session `open` makes for the socket ends when the
 * socket does.
 */
export function acceptWebSockets(
  ctx: ClientContext,
  endpoint: WebSocketEndpoint,
  open: (ws: WebSocket, req: IncomingMessage) => ClientSession,
): UpgradeHandler {
  const { compression, maxPayload } = endpoint;
  const wss = new WebSocketServer({
    handleProtocols: endpoint.handleProtocols,
    maxPayload: compression && maxPayload > 0 ? Math.max(maxPayload, compression.inflatedLimit) : maxPayload,
    noServer: true,
    perMessageDeflate: compression ? { serverNoContextTakeover: true, clientNoContextTakeover: true } : false,
    clientTracking: false,
  });
  if (compression) {
    wss.on("headers", (headers) => {
      const at = headers.findIndex((line) => line.startsWith("Sec-WebSocket-Extensions:"));
      if (at >= 0) headers[at] = deflateAnswer;
    });
  }
  const originAllowed = createOriginCheck(ctx.config.client.allowed_origins, ctx.log);

  return (req, socket, head) => {
    if (!originAllowed(req.headers)) {
      refuseUpgrade(socket, 403, originRefusal);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (!ws.extensions) (ws as unknown as { _receiver: Receiver })._receiver._maxPayload = maxPayload;
      const session = open(ws, req);
      ws.on("close", () => session.closedByTransport());
      ws.on("error", (err) => {
        ctx.log.debug({ err, client: session.id }, `${session.transport.name} error`);
        session.closedByTransport();
      });
    });
  };
}
