import { Agent, request } from "node:http";
import { nowMs } from "../lib/clock.js";
import { type IpcRequest, serve } from "../lib/ipc.js";
import { timestampedPayload } from "../lib/payload.js";

/**
 * A load process that publishes through rotor's `/api/batch` (parallel):
 * `batchSize` publications to consecutive channels per request, `concurrency`
 * requests in flight, until `count` publications were sent. What it measures
 * is the engine behind the API, not HTTP request handling.
 *
 * Request bodies are encoded once per run, before the clock starts (one per
 * distinct first channel and size; a payload's time is when the run began),
 * as redis-benchmark sends precomputed commands: the load shares its CPU
 * with the engine's Redis or PostgreSQL, and encoding 100 payloads per
 * request there cost ~8 µs of that CPU per publication. Replies are counted
 * by their `"publish":` results; only a reply short of the batch is parsed,
 * for its first error.
 */
interface RunRequest {
  url: string;
  channels: number;
  count: number;
  batchSize: number;
  concurrency: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: 256 });
const published = Buffer.from('"publish":');

function post(url: string, body: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/api/batch`,
      {
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": body.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** How many publish results a batch reply holds. */
function publishResults(reply: Buffer): number {
  let n = 0;
  for (let at = reply.indexOf(published); at >= 0; at = reply.indexOf(published, at + published.length)) n++;
  return n;
}

/** What a reply short of its batch says: its first reply without a publish result, or its text. */
function firstFailure(reply: Buffer): string {
  try {
    const replies = (JSON.parse(reply.toString()) as { replies?: Record<string, unknown>[] }).replies ?? [];
    const failed = replies.find((r) => r.publish === undefined);
    if (failed !== undefined) return JSON.stringify(failed);
  } catch {}
  return reply.toString().slice(0, 500);
}

/** The `/api/batch` bodies of a run, by the index of the publication each starts with. */
function batchBodies(o: RunRequest): (from: number) => Buffer {
  const bodies = new Map<string, Buffer>();
  return (from) => {
    const size = Math.min(o.batchSize, o.count - from);
    const key = `${from % o.channels}:${size}`;
    let body = bodies.get(key);
    if (body === undefined) {
      const commands = [];
      for (let i = from; i < from + size; i++) {
        commands.push(`{"publish":{"channel":"bench${i % o.channels}","data":${timestampedPayload()}}}`);
      }
      body = Buffer.from(`{"parallel":true,"commands":[${commands.join(",")}]}`);
      bodies.set(key, body);
    }
    return body;
  };
}

async function run(o: RunRequest): Promise<object> {
  const bodyAt = batchBodies(o);
  for (let from = 0; from < o.count; from += o.batchSize) bodyAt(from);
  const startedAt = nowMs();
  let next = 0;
  let acknowledged = 0;
  let errors = 0;
  let firstError = "";
  const worker = async () => {
    while (next < o.count) {
      const from = next;
      const size = Math.min(o.batchSize, o.count - from);
      next += size;
      try {
        const reply = await post(o.url, bodyAt(from));
        const ok = publishResults(reply);
        acknowledged += ok;
        if (ok < size) {
          errors += size - ok;
          firstError ||= firstFailure(reply);
        }
      } catch (err) {
        errors += size;
        firstError ||= String((err as Error).message ?? err);
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  return { acknowledged, errors, firstError, seconds: (nowMs() - startedAt) / 1000 };
}

serve(async (req: IpcRequest) => {
  if (req.type !== "run") throw new Error(`unknown request ${req.type}`);
  return run(req as unknown as RunRequest);
});
