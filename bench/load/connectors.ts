import WebSocket from "ws";
import { type IpcRequest, serve } from "../lib/ipc.js";
import { runInFlight } from "./in-flight.js";

/**
 * A load process that opens Centrifugo JSON-protocol connections as fast as
 * the server accepts them: `inFlight` at a time until `count` have their
 * connect reply, timed from the first open to the last reply. The connections
 * stay open until `close`, so every one is a new connection (no reuse) and the
 * closing does not overlap the measurement.
 */
interface ConnectRequest {
  url: string;
  count: number;
  inFlight: number;
  /** Sent as the connect token when set; otherwise the connect proxy decides. */
  token: string;
  localAddresses: string[];
}

const sockets: WebSocket[] = [];

function connectOne(o: ConnectRequest, i: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${o.url.replace(/^http/, "ws")}/connection/websocket`, {
      localAddress: o.localAddresses[i % o.localAddresses.length],
      perMessageDeflate: false,
    });
    sockets.push(ws);
    ws.on("open", () => ws.send(JSON.stringify({ id: 1, connect: o.token ? { token: o.token } : {} })));
    ws.once("message", (data: Buffer) => {
      const text = data.toString();
      if (text.includes('"connect"')) resolve();
      else reject(new Error(`refused: ${text}`));
    });
    ws.on("error", reject);
    ws.on("close", (code) => reject(new Error(`closed with ${code} before the connect reply`)));
  });
}

function connectAll(o: ConnectRequest): Promise<object> {
  return runInFlight(o.count, o.inFlight, (i) => connectOne(o, i));
}

serve(async (request: IpcRequest) => {
  switch (request.type) {
    case "connect":
      return connectAll(request as unknown as ConnectRequest);
    case "close":
      for (const ws of sockets.splice(0)) ws.terminate();
      return {};
    default:
      throw new Error(`unknown request ${request.type}`);
  }
});
