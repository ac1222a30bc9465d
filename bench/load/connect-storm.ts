import { Agent, request } from "node:http";
import WebSocket from "ws";
import { type IpcRequest, serve } from "../lib/ipc.js";
import { runInFlight } from "./in-flight.js";

/**
 * A load process for connection storms: `inFlight` clients at a time, each
 * opening a new connection, connecting, subscribing to one channel, waiting
 * for the subscribe reply and closing, until `count` have done so. Kinds:
 * `json` and `protobuf` over WebSocket in Centrifugo's client protocol
 * (`v2`) or the one Centrifuge v0.15 speaks (`v1`); `sse` is the
 * bidirectional emulation (EventSource stream plus a POST to /emulation for
 * the subscribe); `bare` only opens the WebSocket and closes it (the floor).
 */
export type StormKind = "json" | "protobuf" | "sse" | "bare";

export interface StormRequest {
  url: string;
  kind: StormKind;
  dialect: "v1" | "v2";
  count: number;
  inFlight: number;
  /** Sent as the connect token when not empty. */
  token: string;
  localAddresses: string[];
}

const timeoutMs = 20_000;
const channel = "storm";

/** A protobuf varint. */
function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

const field = (no: number, bytes: readonly number[]) => [(no << 3) | 2, ...varint(bytes.length), ...bytes];
const uintField = (no: number, v: number) => [no << 3, ...varint(v)];
const delimited = (bytes: readonly number[]) => [...varint(bytes.length), ...bytes];
const text = (s: string) => [...Buffer.from(s)];

/** connect then subscribe in one frame, as each dialect and format spells them. */
function firstFrame(o: StormRequest): string | Buffer {
  const token = o.token ? { token: o.token } : {};
  if (o.kind === "json") {
    const [connect, subscribe] =
      o.dialect === "v2"
        ? [
            { id: 1, connect: token },
            { id: 2, subscribe: { channel } },
          ]
        : [
            { id: 1, params: token },
            { id: 2, method: 1, params: { channel } },
          ];
    return `${JSON.stringify(connect)}\n${JSON.stringify(subscribe)}`;
  }
  // ConnectRequest{token = 1}, SubscribeRequest{channel = 1}.
  const connectRequest = o.token ? field(1, text(o.token)) : [];
  const subscribeRequest = field(1, text(channel));
  // v2 Command: id 1, connect 4, subscribe 5; v1 Command: id 1, method 2, params 3 (bytes).
  const commands =
    o.dialect === "v2"
      ? [
          [...uintField(1, 1), ...field(4, connectRequest)],
          [...uintField(1, 2), ...field(5, subscribeRequest)],
        ]
      : [
          [...uintField(1, 1), ...field(3, connectRequest)],
          [...uintField(1, 2), ...uintField(2, 1), ...field(3, subscribeRequest)],
        ];
  return Buffer.from(commands.flatMap(delimited));
}

/** The subscribe reply (id 2) of a frame: true when it came, an error text when refused. */
function subscribeReply(o: StormRequest, data: Buffer): true | string | undefined {
  if (o.kind === "json") {
    const s = data.toString();
    if (s.includes('"error"')) return s;
    return s.includes('"id":2') ? true : undefined;
  }
  // Length-delimited Replies: id is field 1 (tag 0x08), an error field 2 (tag 0x12) in both versions.
  for (let at = 0; at < data.length; ) {
    let len = 0;
    let shift = 0;
    for (;;) {
      const b = data[at++]!;
      len |= (b & 0x7f) << shift;
      shift += 7;
      if (b < 0x80) break;
    }
    const reply = data.subarray(at, at + len);
    at += len;
    const id = reply[0] === 0x08 ? reply[1] : 0;
    const errorAt = id ? 2 : 0;
    if (reply[errorAt] === 0x12) return `error reply to command ${id}`;
    if (id === 2) return true;
  }
  return undefined;
}

function websocketOne(o: StormRequest, i: number, frame: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const path =
      o.kind === "bare" ? "/" : `/connection/websocket${o.kind === "protobuf" ? "?format=protobuf" : ""}`;
    const ws = new WebSocket(`${o.url.replace(/^http/, "ws")}${path}`, {
      localAddress: o.localAddresses[i % o.localAddresses.length],
      perMessageDeflate: false,
      handshakeTimeout: timeoutMs,
    });
    let done = false;
    const timer = setTimeout(() => fail(`no subscribe reply within ${timeoutMs} ms`), timeoutMs);
    function fail(why: string) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      ws.terminate();
      reject(new Error(why));
    }
    ws.on("open", () => {
      if (o.kind === "bare") {
        done = true;
        ws.close();
      } else ws.send(frame);
    });
    ws.on("message", (data: Buffer) => {
      const got = subscribeReply(o, data);
      if (got === undefined || done) return;
      if (got !== true) return fail(`refused: ${got}`);
      done = true;
      ws.close();
    });
    ws.on("error", (err) => fail(err.message));
    ws.on("close", (code) => {
      clearTimeout(timer);
      if (done) resolve();
      else fail(`closed with ${code} before the subscribe reply`);
    });
  });
}

const postAgent = new Agent({ keepAlive: true, maxSockets: 64 });

function post(o: StormRequest, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(`${o.url}/emulation`, { method: "POST", agent: postAgent }, (res) => {
      res.resume();
      res.on("end", () =>
        res.statusCode === 200 || res.statusCode === 204
          ? resolve()
          : reject(new Error(`/emulation answered ${res.statusCode}`)),
      );
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** SSE emulation: the connect in cf_connect, the subscribe through /emulation, the stream ended by the client. */
function sseOne(o: StormRequest, i: number): Promise<void> {
  const connect = JSON.stringify({ id: 1, connect: o.token ? { token: o.token } : {} });
  return new Promise((resolve, reject) => {
    const req = request(`${o.url}/connection/sse?cf_connect=${encodeURIComponent(connect)}`, {
      localAddress: o.localAddresses[i % o.localAddresses.length],
      agent: false,
      timeout: timeoutMs,
    });
    const fail = (err: Error) => {
      req.destroy();
      reject(err);
    };
    req.on("timeout", () => fail(new Error(`no subscribe reply within ${timeoutMs} ms`)));
    req.on("error", fail);
    req.on("response", (res) => {
      let buffered = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffered += chunk;
        for (let end = buffered.indexOf("\n\n"); end >= 0; end = buffered.indexOf("\n\n")) {
          const event = buffered.slice(0, end).replace(/^data: ?/gm, "");
          buffered = buffered.slice(end + 2);
          if (event.includes('"error"')) return fail(new Error(`refused: ${event}`));
          const reply = JSON.parse(event) as { id?: number; connect?: { session: string; node: string } };
          if (reply.id === 1 && reply.connect) {
            const { session, node } = reply.connect;
            const data = JSON.stringify({ id: 2, subscribe: { channel } });
            post(o, JSON.stringify({ session, node, data })).catch(fail);
          } else if (reply.id === 2) {
            req.destroy();
            resolve();
          }
        }
      });
    });
    req.end();
  });
}

function storm(o: StormRequest): Promise<object> {
  const frame = o.kind === "json" || o.kind === "protobuf" ? firstFrame(o) : "";
  return runInFlight(o.count, o.inFlight, (i) =>
    o.kind === "sse" ? sseOne(o, i) : websocketOne(o, i, frame),
  );
}

serve(async (req: IpcRequest) => {
  if (req.type === "storm") return storm(req as unknown as StormRequest);
  throw new Error(`unknown request ${req.type}`);
});
