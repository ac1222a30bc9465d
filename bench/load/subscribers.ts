import { io, type Socket } from "socket.io-client";
import WebSocket from "ws";
import { nowMs } from "../lib/clock.js";
import { createHistogram, record, sparse } from "../lib/histogram.js";
import { type IpcRequest, serve } from "../lib/ipc.js";
import { eachTimestamp } from "../lib/payload.js";

/**
 * A load process holding many subscriber connections and counting what they
 * receive. `centrifugo` speaks Centrifugo's JSON client protocol v2 (connect,
 * subscribe, answer pings); `centrifugo-v1` the older protocol that Centrifuge
 * v0.15 speaks (see `dialects`); `raw` is a bare WebSocket to the ws baseline;
 * `socketio` is socket.io-client. Each delivery's latency is taken from the
 * timestamp in its payload.
 */
type Mode = "centrifugo" | "centrifugo-v1" | "raw" | "socketio";

/** How one version of Centrifugo's JSON client protocol connects, subscribes and pings. */
interface Dialect {
  readonly connect: string;
  subscribe(channel: string): string;
  /** Whether the server pings with `{}` messages that need a `{}` answer (else with WebSocket ping frames). */
  readonly appPings: boolean;
}

/**
 * v2 names each command by a key (`{"id":1,"connect":{}}`); v1 numbers them
 * (`method` 0 connect, may be left out; 1 subscribe), answers
 * `{"id":N,"result":…}`, pushes `{"result":{"channel":…,"data":{"data":…}}}`
 * and pings with WebSocket frames, which the ws client answers by itself.
 */
const dialects: Record<"centrifugo" | "centrifugo-v1", Dialect> = {
  centrifugo: {
    connect: '{"id":1,"connect":{}}',
    subscribe: (channel) => `{"id":2,"subscribe":{"channel":${JSON.stringify(channel)}}}`,
    appPings: true,
  },
  "centrifugo-v1": {
    connect: '{"id":1,"params":{}}',
    subscribe: (channel) => `{"id":2,"method":1,"params":{"channel":${JSON.stringify(channel)}}}`,
    appPings: false,
  },
};

interface OpenRequest {
  url: string;
  mode: Mode;
  count: number;
  channels: string[];
  subscribe: boolean;
  /** Source addresses to spread connections over (loopback has ~28k ports per address). */
  localAddresses: string[];
  /** Offer permessage-deflate (centrifugo modes). */
  deflate?: boolean;
}

const sockets: (WebSocket | Socket)[] = [];
/**
 * How long one connection may take to open (and subscribe): on a loaded
 * machine a SYN dropped from a full accept queue is retried for up to two
 * minutes, which would hold the whole fleet; such a connection is dropped and
 * tried once more instead.
 */
const openTimeoutMs = 20_000;
let received = 0;
/** WebSocket messages that carried at least one delivery: received ÷ frames is how much a server batches. */
let frames = 0;
let lastAt = 0;
let histogram = createHistogram();
const ping = Buffer.from("{}");
/**
 * Connections paging through a map's state (`map-subscribe`): the handler
 * takes the frames of that exchange; true when it took the frame.
 */
const paging = new Map<WebSocket, { frame(frame: Buffer): boolean; closed(code: number): void }>();

function onTimestamp(sentAt: number): void {
  const now = nowMs();
  received += 1;
  lastAt = now;
  record(histogram, now - sentAt);
}

function onFrame(frame: Buffer): void {
  const before = received;
  eachTimestamp(frame, onTimestamp);
  if (received > before) frames += 1;
}

function isPing(frame: Buffer): boolean {
  const leading = frame[0] === 123 && frame[1] === 125 && (frame.length === 2 || frame[2] === 10);
  return leading || frame.includes("\n{}");
}

function openCentrifugo(o: OpenRequest, i: number, channel: string): Promise<void> {
  const dialect = dialects[o.mode === "centrifugo-v1" ? "centrifugo-v1" : "centrifugo"];
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${o.url}/connection/websocket`, {
      localAddress: o.localAddresses[i % o.localAddresses.length],
      perMessageDeflate: o.deflate === true,
    });
    const expectedId = o.subscribe ? 2 : 1;
    let ready = false;
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`not subscribed within ${openTimeoutMs} ms`));
    }, openTimeoutMs);
    ws.on("open", () => {
      ws.send(o.subscribe ? `${dialect.connect}\n${dialect.subscribe(channel)}` : dialect.connect);
    });
    ws.on("message", (data: Buffer) => {
      if (!ready) {
        const text = data.toString();
        if (text.includes('"error"')) return reject(new Error(`refused: ${text}`));
        if (text.includes(`"id":${expectedId}`)) {
          ready = true;
          clearTimeout(timer);
          resolve();
        }
        return;
      }
      if (dialect.appPings && isPing(data)) ws.send(ping);
      if (paging.size > 0 && paging.get(ws)?.frame(data)) return;
      onFrame(data);
    });
    ws.on("error", reject);
    ws.on("close", (code) => {
      if (!ready) reject(new Error(`closed with ${code} before subscribing`));
      paging.get(ws)?.closed(code);
    });
    sockets.push(ws);
  });
}

function openRaw(o: OpenRequest, i: number, channel: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${o.url.replace(/^http/, "ws")}/?channel=${encodeURIComponent(channel)}`, {
      localAddress: o.localAddresses[i % o.localAddresses.length],
      perMessageDeflate: false,
      handshakeTimeout: openTimeoutMs,
    });
    ws.on("open", () => resolve());
    ws.on("message", onFrame);
    ws.on("error", reject);
    sockets.push(ws);
  });
}

function openSocketIo(o: OpenRequest, i: number, channel: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = io(o.url, {
      transports: ["websocket"],
      query: { channel },
      reconnection: false,
      forceNew: true,
      timeout: openTimeoutMs,
      localAddress: o.localAddresses[i % o.localAddresses.length],
    } as Parameters<typeof io>[1]);
    socket.on("connect", () => resolve());
    socket.on("connect_error", reject);
    socket.on("m", (data: { t: number }) => {
      onTimestamp(data.t);
      frames += 1;
    });
    sockets.push(socket);
  });
}

const openers = {
  centrifugo: openCentrifugo,
  "centrifugo-v1": openCentrifugo,
  raw: openRaw,
  socketio: openSocketIo,
} as const;

async function open(o: OpenRequest): Promise<object> {
  const opener = openers[o.mode];
  let next = 0;
  let failed = 0;
  let firstError = "";
  const worker = async () => {
    while (next < o.count) {
      const i = next++;
      const channel = o.channels[i % o.channels.length]!;
      try {
        await opener(o, i, channel).catch(() => opener(o, i, channel));
      } catch (err) {
        failed += 1;
        firstError ||= String((err as Error).message ?? err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(200, o.count) }, worker));
  return { opened: o.count - failed, failed, firstError };
}

/** Bytes read from every open WebSocket's TCP socket: what the server put on the wire, frame headers included. */
function wireBytes(): number {
  let total = 0;
  for (const s of sockets) {
    if (s instanceof WebSocket)
      total += (s as unknown as { _socket?: { bytesRead: number } })._socket?.bytesRead ?? 0;
  }
  return total;
}

function closeAll(): void {
  for (const s of sockets.splice(0)) {
    if (s instanceof WebSocket) s.terminate();
    else s.disconnect();
  }
}

interface MapSubscribeRequest {
  channel: string;
  /** Page size asked for in each STATE request; the server clamps it to its `map` page sizes. */
  limit: number;
}

interface SubscribeReply {
  id?: number;
  error?: { code: number; message: string };
  subscribe?: {
    phase?: number;
    cursor?: string;
    epoch?: string;
    offset?: number;
    state?: unknown[];
    publications?: unknown[];
  };
}

/**
 * Subscribes one connection to a map channel as the `centrifuge` SDK does:
 * STATE pages (with the frozen offset and epoch after the first) until the
 * last, STREAM from that offset while the server answers with phase 1, until
 * the LIVE reply (no phase). Resolves with the entries and publications received.
 */
function mapSubscribe(ws: WebSocket, o: MapSubscribeRequest): Promise<number> {
  return new Promise((resolve, reject) => {
    let id = 100;
    let entries = 0;
    const send = (fields: object) => {
      id += 1;
      ws.send(JSON.stringify({ id, subscribe: { channel: o.channel, type: 1, limit: o.limit, ...fields } }));
    };
    const done = (err?: Error) => {
      paging.delete(ws);
      if (err) reject(err);
      else resolve(entries);
    };
    paging.set(ws, {
      closed: (code) => done(new Error(`closed with ${code} while paging`)),
      frame(frame) {
        const text = frame.toString();
        const line = text.split("\n").find((l) => l.includes(`"id":${id},`) || l.includes(`"id":${id}}`));
        if (line === undefined) return false;
        const reply = JSON.parse(line) as SubscribeReply;
        if (reply.error) {
          done(new Error(`map subscribe refused: ${reply.error.code} ${reply.error.message}`));
          return true;
        }
        const r = reply.subscribe ?? {};
        entries += (r.state?.length ?? 0) + (r.publications?.length ?? 0);
        const position = { offset: r.offset ?? 0, epoch: r.epoch ?? "" };
        if (r.phase === 2 && r.cursor) send({ phase: 2, cursor: r.cursor, ...position });
        else if (r.phase === 2 || r.phase === 1) send({ phase: 1, ...position });
        else done();
        return true;
      },
    });
    send({ phase: 2 });
  });
}

/** Every open Centrifugo connection subscribes to one map channel at once; times the whole. */
async function mapSubscribeAll(o: MapSubscribeRequest): Promise<object> {
  const startedAt = nowMs();
  let failed = 0;
  let firstError = "";
  let entries = 0;
  await Promise.all(
    sockets
      .filter((s): s is WebSocket => s instanceof WebSocket)
      .map((ws) =>
        mapSubscribe(ws, o).then(
          (n) => {
            entries += n;
          },
          (err: Error) => {
            failed += 1;
            firstError ||= err.message;
          },
        ),
      ),
  );
  return { failed, firstError, entries, startedAt, doneAt: nowMs() };
}

serve(async (request: IpcRequest) => {
  switch (request.type) {
    case "open":
      return open(request as unknown as OpenRequest);
    case "reset":
      received = 0;
      frames = 0;
      lastAt = 0;
      histogram = createHistogram();
      return {};
    case "map-subscribe":
      return mapSubscribeAll(request as unknown as MapSubscribeRequest);
    case "stats":
      return { received, frames, lastAt, histogram: sparse(histogram), bytes: wireBytes() };
    case "close":
      closeAll();
      return {};
    default:
      throw new Error(`unknown request ${request.type}`);
  }
});
