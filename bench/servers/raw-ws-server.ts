import { createServer } from "node:http";
import * as wsModule from "ws";
import { type WebSocket, WebSocketServer } from "ws";
import { portArg, readBody } from "./server-args.js";

/**
 * The fan-out ceiling of Node + ws: clients join a channel with
 * `?channel=X`; `POST /publish {"channel","data"}` frames `data` once and
 * writes that one buffer to every socket of the channel. No protocol, no
 * queues, no batching: what is left is the cost of the writes themselves.
 */
const channels = new Map<string, Set<WebSocket>>();
const frameOptions = { fin: true, opcode: 1, mask: false, readOnly: true, rsv1: false };
/** ws's framing, which its type declarations leave out. */
const { Sender } = wsModule as unknown as { Sender: { frame(data: Buffer, options: object): Buffer[] } };

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });

const server = createServer(async (req, res) => {
  if (req.method !== "POST" || req.url !== "/publish") {
    res.writeHead(req.url === "/health" ? 200 : 404).end();
    return;
  }
  const { channel, data } = JSON.parse((await readBody(req)).toString());
  const frame = Sender.frame(Buffer.from(JSON.stringify(data)), frameOptions);
  for (const ws of channels.get(channel) ?? []) {
    (ws as unknown as { _sender: { sendFrame(f: Buffer[]): void } })._sender.sendFrame(frame);
  }
  res.writeHead(200, { "content-type": "application/json" }).end("{}");
});

server.on("upgrade", (req, socket, head) => {
  const channel = new URL(req.url ?? "/", "http://localhost").searchParams.get("channel") ?? "";
  wss.handleUpgrade(req, socket, head, (ws) => {
    const set = channels.get(channel) ?? new Set<WebSocket>();
    channels.set(channel, set);
    set.add(ws);
    ws.on("close", () => set.delete(ws));
    ws.on("error", () => set.delete(ws));
  });
});

server.keepAliveTimeout = 72_000;
server.listen(portArg(), "127.0.0.1");
