import { createServer } from "node:http";
import { Server } from "socket.io";
import { portArg, readBody } from "./server-args.js";

/**
 * Socket.IO 4.8 doing the same job as rotor in the fan-out scenario: clients
 * join the room named by `?channel=X` over the WebSocket transport;
 * `POST /publish {"channel","data"}` emits `data` to that room.
 */
const server = createServer(async (req, res) => {
  if (req.method === "POST" && req.url === "/publish") {
    const { channel, data } = JSON.parse((await readBody(req)).toString());
    io.to(channel).emit("m", data);
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  } else if (req.url === "/health") {
    res.writeHead(200).end();
  }
});

const io = new Server(server, { transports: ["websocket"], serveClient: false });
io.on("connection", (socket) => {
  const channel = socket.handshake.query.channel;
  if (typeof channel === "string") socket.join(channel);
});

server.keepAliveTimeout = 72_000;
server.listen(portArg(), "127.0.0.1");
