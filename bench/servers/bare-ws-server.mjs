// The floor of an idle Node WebSocket server: node:http and ws, nothing
// else, run by plain node (no TypeScript loader) so its resident memory is
// what Node itself needs. It answers /health and accepts any upgrade. ws is
// set up as cheaply as it goes (no compression, no client list), so the
// connect scenario's floor is the least a Node WebSocket server spends.
import { createServer } from "node:http";
import { WebSocketServer } from "ws";

const i = process.argv.indexOf("--port");
const port = Number(process.argv[i + 1]);
if (i < 0 || !Number.isInteger(port) || port <= 0) throw new Error("usage: bare-ws-server.mjs --port N");

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });
const server = createServer((req, res) => {
  res.writeHead(req.url === "/health" ? 200 : 404).end();
});
server.on("upgrade", (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => {
    ws.on("error", () => ws.terminate());
  });
});
server.listen(port, "127.0.0.1");
