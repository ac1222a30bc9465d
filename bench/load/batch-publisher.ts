import { Agent, request } from "node:http";
import { nowMs } from "../lib/clock.js";
import { type IpcRequest, serve } from "../lib/ipc.js";
import { timestampedPayload } from "../lib/payload.js";

/**
 * A load process that publishes through rotor's `/api/batch` (parallel):
 * `batchSize` publications to consecutive channels per request, `concurrency`
 * requests in flight, until `count` publications were sent. What it measures
 * is the engine behind the API, not HTTP request handling.
 */
interface RunRequest {
  url: string;
  channels: number;
  count: number;
  batchSize: number;
  concurrency: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

function post(url: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/api/batch`,
      { method: "POST", agent, headers: { "content-type": "application/json" } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve(Buffer.concat(chunks).toString()));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function run(o: RunRequest): Promise<object> {
  const startedAt = nowMs();
  let next = 0;
  let acknowledged = 0;
  let errors = 0;
  let firstError = "";
  const worker = async () => {
    while (next < o.count) {
      const from = next;
      next += o.batchSize;
      const commands = [];
      for (let i = from; i < Math.min(from + o.batchSize, o.count); i++) {
        commands.push(`{"publish":{"channel":"bench${i % o.channels}","data":${timestampedPayload()}}}`);
      }
      try {
        const text = await post(o.url, `{"parallel":true,"commands":[${commands.join(",")}]}`);
        const replies = (JSON.parse(text) as { replies?: Record<string, unknown>[] }).replies ?? [];
        for (const reply of replies) {
          if (reply.publish) acknowledged += 1;
          else {
            errors += 1;
            firstError ||= JSON.stringify(reply);
          }
        }
      } catch (err) {
        errors += commands.length;
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
