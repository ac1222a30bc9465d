import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * One handler for every WebSocket opening, whatever carried it: the path picks
 * the transport that owns it; anything else is answered 404 and closed.
 */
export function upgradeRouter(routes: ReadonlyMap<string, UpgradeHandler>): UpgradeHandler {
  return (req, socket, head) => {
    const path = (req.url ?? "/").split("?", 1)[0]!;
    const handler = routes.get(path);
    if (handler) {
      handler(req, socket, head);
      return;
    }
    socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  };
}

/** Routes the HTTP/1.1 upgrade requests (WebSocket) of a server by path. */
export function routeUpgrades(server: Server, route: UpgradeHandler): void {
  server.on("upgrade", route);
}

/** Refuses an upgrade with a status and a short plain-text reason. */
export function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  const body = `${reason}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
