import { createServer, type IncomingMessage } from "node:http";
import * as wsModule from "ws";
import { type WebSocket, WebSocketServer } from "ws";
import { portArg } from "./server-args.js";

/**
 * Node's floor for fan-out, with `ws` and nothing else: clients join a
 * channel with `?channel=X`; `POST /publish {"channel","data"}` (the body
 * rotor's `/api/publish` takes) builds the message rotor would push,
 * `{"push":{"channel":…,"pub":{"data":…}}}`, frames it once into one buffer
 * and writes that buffer to every socket of the channel: one plain write per
 * socket, as rotor's shared frames do. No protocol, no queues, no batching,
 * no metrics: what is left is the HTTP request and the writes themselves,
 * the least a Node server with `ws` can spend on a delivery.
 */
const channels = new Map<string, Set<WebSocket>>();
const frameOptions = { fin: true, opcode: 1, mask: false, readOnly: true, rsv1: false };
/** ws's framing and frame writer, which its type declarations leave out. */
const { Sender } = wsModule as unknown as { Sender: { frame(data: Buffer, options: object): Buffer[] } };
type FrameWriter = { _sender: { sendFrame(frame: Buffer[]): void } };

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });

function publish(body: Buffer): void {
  const { channel, data } = JSON.parse(body.toString());
  const push = `{"push":{"channel":${JSON.stringify(channel)},"pub":{"data":${JSON.stringify(data)}}}}`;
  const frame = [Buffer.concat(Sender.frame(Buffer.from(push), frameOptions))];
  for (const ws of channels.get(channel) ?? []) (ws as unknown as FrameWriter)._sender.sendFrame(frame);
}

const server = createServer((req: IncomingMessage, res) => {
  if (req.method !== "POST" || req.url !== "/publish") {
    res.writeHead(req.url === "/health" ? 200 : 404).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    publish(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
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
