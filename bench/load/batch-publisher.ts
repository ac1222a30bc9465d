import { connect, type Socket } from "node:net";
import { nowMs } from "../lib/clock.js";
import { type IpcRequest, serve } from "../lib/ipc.js";
import { timestampedPayload } from "../lib/payload.js";

/**
 * A load process that publishes through rotor's `/api/batch` (parallel):
 * `batchSize` publications to consecutive channels per request, `concurrency`
 * requests in flight, until `count` publications were sent. What it measures
 * is the engine behind the API, not HTTP request handling.
 *
 * As redis-benchmark sends precomputed commands, the requests are encoded
 * once per run before the clock starts (one per distinct first channel and
 * size; a payload's time is when the run began) and sent as bytes on
 * `concurrency` keep-alive connections, and replies are counted by their
 * `"publish":` results (only a reply short of its batch is parsed, for its
 * first error): the load shares its CPU with the engine's Redis or
 * PostgreSQL, and encoding 100 payloads per request there, then Node's HTTP
 * client, cost more of that CPU per publication than Redis itself.
 */
interface RunRequest {
  url: string;
  channels: number;
  count: number;
  batchSize: number;
  concurrency: number;
}

const published = Buffer.from('"publish":');
const headEnd = Buffer.from("\r\n\r\n");

/** How many publish results a batch reply holds. */
function publishResults(reply: Buffer): number {
  let n = 0;
  for (let at = reply.indexOf(published); at >= 0; at = reply.indexOf(published, at + published.length)) n++;
  return n;
}

/** What a reply short of its batch says: its first reply without a publish result, or its text. */
function firstFailure(status: number, reply: Buffer): string {
  try {
    const replies = (JSON.parse(reply.toString()) as { replies?: Record<string, unknown>[] }).replies ?? [];
    const failed = replies.find((r) => r.publish === undefined);
    if (failed !== undefined) return JSON.stringify(failed);
  } catch {
    // not a batch reply: its status and text say what went wrong
  }
  return `HTTP ${status}: ${reply.toString().slice(0, 500)}`;
}

/** The `/api/batch` requests of a run (head and body), by the index of the publication each starts with. */
function batchRequests(o: RunRequest): (from: number) => Buffer {
  const { host } = new URL(o.url);
  const requests = new Map<string, Buffer>();
  return (from) => {
    const size = Math.min(o.batchSize, o.count - from);
    const key = `${from % o.channels}:${size}`;
    let bytes = requests.get(key);
    if (bytes === undefined) {
      const commands = [];
      for (let i = from; i < from + size; i++) {
        commands.push(`{"publish":{"channel":"bench${i % o.channels}","data":${timestampedPayload()}}}`);
      }
      const body = Buffer.from(`{"parallel":true,"commands":[${commands.join(",")}]}`);
      const head = `POST /api/batch HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
      bytes = Buffer.concat([Buffer.from(head), body]);
      requests.set(key, bytes);
    }
    return bytes;
  };
}

interface Reply {
  readonly status: number;
  readonly body: Buffer;
}

/** A keep-alive HTTP/1.1 connection: one request at a time, its reply read by Content-Length. */
interface Connection {
  send(request: Buffer): Promise<Reply>;
  close(): void;
}

function connection(url: string): Promise<Connection> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(Number(port), hostname);
    let pending: { resolve: (r: Reply) => void; reject: (e: Error) => void } | undefined;
    let buffered: Buffer = Buffer.alloc(0);
    const fail = (err: Error) => {
      pending?.reject(err);
      pending = undefined;
    };
    socket.setNoDelay(true);
    socket.on("error", fail);
    socket.on("close", () => fail(new Error("connection closed")));
    socket.on("data", (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf(headEnd);
      if (end < 0 || pending === undefined) return;
      const head = buffered.subarray(0, end).toString("latin1");
      const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1];
      if (length === undefined) {
        fail(new Error(`reply without Content-Length: ${head}`));
        return;
      }
      const total = end + headEnd.length + Number(length);
      if (buffered.length < total) return;
      const body = buffered.subarray(end + headEnd.length, total);
      buffered = buffered.subarray(total);
      const done = pending;
      pending = undefined;
      done.resolve({ status: Number(head.slice(9, 12)), body });
    });
    socket.once("connect", () =>
      resolve({
        send: (request) =>
          new Promise((resolveReply, rejectReply) => {
            if (socket.destroyed) return rejectReply(new Error("connection closed"));
            pending = { resolve: resolveReply, reject: rejectReply };
            socket.write(request);
          }),
        close: () => socket.destroy(),
      }),
    );
    socket.once("error", reject);
  });
}

async function run(o: RunRequest): Promise<object> {
  const requestAt = batchRequests(o);
  for (let from = 0; from < o.count; from += o.batchSize) requestAt(from);
  const connections = await Promise.all(Array.from({ length: o.concurrency }, () => connection(o.url)));
  const startedAt = nowMs();
  let next = 0;
  let acknowledged = 0;
  let errors = 0;
  let firstError = "";
  const worker = async ({ send }: Connection) => {
    while (next < o.count) {
      const from = next;
      const size = Math.min(o.batchSize, o.count - from);
      next += size;
      try {
        const reply = await send(requestAt(from));
        const ok = reply.status === 200 ? publishResults(reply.body) : 0;
        acknowledged += ok;
        if (ok < size) {
          errors += size - ok;
          firstError ||= firstFailure(reply.status, reply.body);
        }
      } catch (err) {
        errors += size;
        firstError ||= String((err as Error).message ?? err);
      }
    }
  };
  await Promise.all(connections.map(worker));
  for (const c of connections) c.close();
  return { acknowledged, errors, firstError, seconds: (nowMs() - startedAt) / 1000 };
}

serve(async (req: IpcRequest) => {
  if (req.type !== "run") throw new Error(`unknown request ${req.type}`);
  return run(req as unknown as RunRequest);
});
