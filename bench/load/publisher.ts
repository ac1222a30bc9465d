import { Agent, request } from "node:http";
import { nowMs, sleep } from "../lib/clock.js";
import { type IpcRequest, serve } from "../lib/ipc.js";
import { timestampedPayload } from "../lib/payload.js";

/**
 * A load process that publishes timestamped payloads over HTTP/1.1
 * keep-alive: to rotor's `/api/publish` (or `/api/map_publish`, with keys), or
 * to a baseline's `/publish`, which takes the same body. Either as fast as
 * `concurrency` requests in flight allow, or at a fixed rate.
 */
interface RunRequest {
  url: string;
  path: string;
  channels: string[];
  count: number;
  /** Publications per second in total; 0 means as fast as possible. */
  rate: number;
  concurrency: number;
  /** For `/api/map_publish`: publication i writes key `k<i mod keys>`; absent for plain publishes. */
  keys?: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function post(url: string, path: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { method: "POST", agent, headers: { "content-type": "application/json" } },
      (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => {
          text += chunk.toString();
        });
        res.on("end", () => {
          if (res.statusCode !== 200 || text.includes('"error"'))
            reject(new Error(`${res.statusCode} ${text}`));
          else resolve();
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function run(o: RunRequest): Promise<object> {
  const startedAt = nowMs();
  let next = 0;
  let errors = 0;
  let firstError = "";
  const interval = o.rate > 0 ? 1000 / o.rate : 0;
  const worker = async () => {
    while (next < o.count) {
      const i = next++;
      if (interval > 0) {
        const due = startedAt + i * interval;
        const wait = due - nowMs();
        if (wait > 0) await sleep(wait);
      }
      const channel = o.channels[i % o.channels.length]!;
      const key = o.keys ? `"key":"k${String(i % o.keys).padStart(6, "0")}",` : "";
      const body = `{"channel":${JSON.stringify(channel)},${key}"data":${timestampedPayload()}}`;
      try {
        await post(o.url, o.path, body);
      } catch (err) {
        errors += 1;
        firstError ||= String((err as Error).message ?? err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.concurrency) }, worker));
  return { sent: o.count - errors, errors, firstError, startedAt, endedAt: nowMs() };
}

serve(async (req: IpcRequest) => {
  if (req.type !== "run") throw new Error(`unknown request ${req.type}`);
  return run(req as unknown as RunRequest);
});
