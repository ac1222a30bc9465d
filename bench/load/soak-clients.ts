import WebSocket from "ws";
import { sleep } from "../lib/clock.js";
import { type IpcRequest, serve } from "../lib/ipc.js";

/**
 * The soak's clients, in one load process: `subscribers` long-lived
 * connections spread over `channels` channels (Centrifugo's JSON protocol,
 * recovery on), each checking that the sequence numbers it receives per
 * channel go up by one; `churn` connections per second that connect,
 * subscribe and leave; and a publisher sending `rate` publications per second
 * through the HTTP API, each channel's numbered from 1.
 */
interface StartRequest {
  url: string;
  subscribers: number;
  channels: number;
  rate: number;
  churn: number;
}

const stats = {
  delivered: 0,
  gaps: 0,
  duplicates: 0,
  /** Publications a subscriber still lacked when the soak ended (the last gap, which no later one reveals). */
  missingAtEnd: 0,
  published: 0,
  publishErrors: 0,
  churned: 0,
  drops: 0,
};
const sockets: WebSocket[] = [];
/** Per channel, the last sequence number published (and acknowledged) there. */
let lastPublished: number[] = [];
/** Per long-lived subscriber, its channel and the next sequence number it expects. */
const expectations: { channel: number; expected: { next: number } }[] = [];
let running = false;

const channelName = (i: number) => `soak:c${i}`;
const ping = Buffer.from("{}");

/** One long-lived subscriber; a dropped connection counts and reconnects with recovery. */
function subscribe(url: string, channel: string, expected = { next: 1 }): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace(/^http/, "ws")}/connection/websocket`, {
      perMessageDeflate: false,
    });
    sockets.push(ws);
    let offset = 0;
    let epoch = "";
    ws.on("open", () => {
      const recover = expected.next > 1 ? `,"recover":true,"offset":${offset},"epoch":"${epoch}"` : "";
      ws.send(`{"id":1,"connect":{}}\n{"id":2,"subscribe":{"channel":"${channel}"${recover}}}`);
    });
    ws.on("message", (data: Buffer) => {
      for (const line of data.toString().split("\n")) {
        if (line === "") continue;
        if (line === "{}") {
          ws.send(ping);
          continue;
        }
        const reply = JSON.parse(line) as {
          id?: number;
          subscribe?: {
            epoch: string;
            offset?: number;
            publications?: { data: { seq: number }; offset: number }[];
          };
          push?: { pub?: { data: { seq: number }; offset: number } };
        };
        if (reply.id === 2 && reply.subscribe) {
          epoch = reply.subscribe.epoch;
          for (const pub of reply.subscribe.publications ?? []) deliver(pub.data.seq, pub.offset);
          resolve();
        }
        if (reply.push?.pub) deliver(reply.push.pub.data.seq, reply.push.pub.offset);
      }
    });
    function deliver(seq: number, at: number): void {
      stats.delivered++;
      offset = at;
      if (seq < expected.next) stats.duplicates++;
      else if (seq > expected.next) stats.gaps++;
      expected.next = Math.max(expected.next, seq + 1);
    }
    ws.on("error", () => {});
    ws.on("close", () => {
      if (!running) return;
      stats.drops++;
      // A connection dropped before its first subscribe reply settles once its retry subscribes.
      void subscribe(url, channel, expected).then(resolve);
    });
  });
}

/** A short-lived client: connects, subscribes, and goes. */
function churnOne(url: string, channel: string): void {
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}/connection/websocket`, {
    perMessageDeflate: false,
  });
  ws.on("open", () => ws.send(`{"id":1,"connect":{}}\n{"id":2,"subscribe":{"channel":"${channel}"}}`));
  ws.on("message", (data: Buffer) => {
    if (data.includes('"id":2')) {
      stats.churned++;
      ws.close();
    }
  });
  ws.on("error", () => {});
}

async function publishLoop(o: StartRequest): Promise<void> {
  const seq = new Array<number>(o.channels).fill(0);
  lastPublished = seq;
  const interval = 1000 / o.rate;
  let due = Date.now();
  for (let i = 0; running; i++) {
    const c = i % o.channels;
    const body = JSON.stringify({ channel: channelName(c), data: { seq: seq[c]! + 1 } });
    try {
      const res = await fetch(`${o.url}/api/publish`, { method: "POST", body });
      const text = await res.text();
      if (res.status === 200 && !text.includes('"error"')) {
        seq[c]!++;
        stats.published++;
      } else stats.publishErrors++;
    } catch {
      stats.publishErrors++;
    }
    due += interval;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
  }
}

async function start(o: StartRequest): Promise<object> {
  running = true;
  for (let i = 0; i < o.subscribers; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, o.subscribers - i) }, (_, k) => {
        const channel = (i + k) % o.channels;
        const expected = { next: 1 };
        expectations.push({ channel, expected });
        return subscribe(o.url, channelName(channel), expected);
      }),
    );
  }
  void publishLoop(o);
  const churn = setInterval(() => {
    for (let i = 0; i < o.churn; i++) churnOne(o.url, channelName(i % o.channels));
  }, 1000);
  churn.unref();
  stopChurn = () => clearInterval(churn);
  return {};
}

let stopChurn = () => {};

serve(async (request: IpcRequest) => {
  switch (request.type) {
    case "start":
      return start(request as unknown as StartRequest);
    case "stats":
      return { ...stats };
    case "stop":
      running = false;
      stopChurn();
      await sleep(2000);
      for (const { channel, expected } of expectations) {
        stats.missingAtEnd += Math.max(0, (lastPublished[channel] ?? 0) - (expected.next - 1));
      }
      for (const ws of sockets.splice(0)) ws.terminate();
      return { ...stats };
    default:
      throw new Error(`unknown request ${request.type}`);
  }
});
