import { Session } from "node:inspector/promises";
import type { FastifyInstance } from "fastify";

/** The longest CPU profile one request may ask for, as pprof's default limit is generous but finite. */
const maxSeconds = 60;

/**
 * `debug.enabled`: Node's counterpart of Go's pprof endpoints on the
 * internal listener, for looking into a running server. `/profile?seconds=N`
 * records a CPU profile for N seconds (default 30) and answers it as a
 * `.cpuprofile` (open it in Chrome DevTools or speedscope); `/heap` answers a
 * `.heapsnapshot` of this moment; the prefix itself lists both. Profiling
 * slows the server while it runs, so it is off unless asked for, and warned
 * about at start.
 */
export function mountDebugRoutes(app: FastifyInstance, prefix: string): void {
  app.get(prefix || "/", async (_request, reply) =>
    reply
      .type("text/plain; charset=utf-8")
      .send(
        `${prefix}/profile?seconds=30  CPU profile (.cpuprofile)\n${prefix}/heap  heap snapshot (.heapsnapshot)\n`,
      ),
  );
  app.get(`${prefix}/profile`, async (request, reply) => {
    const asked = Number((request.query as { seconds?: string }).seconds ?? 30);
    if (!Number.isFinite(asked) || asked <= 0 || asked > maxSeconds) {
      return reply.code(400).type("text/plain; charset=utf-8").send(`seconds must be 1 to ${maxSeconds}\n`);
    }
    const session = new Session();
    session.connect();
    try {
      await session.post("Profiler.enable");
      await session.post("Profiler.start");
      await new Promise((resolve) => setTimeout(resolve, asked * 1000));
      const { profile } = await session.post("Profiler.stop");
      return reply
        .type("application/json")
        .header("content-disposition", 'attachment; filename="rotor.cpuprofile"')
        .send(JSON.stringify(profile));
    } finally {
      session.disconnect();
    }
  });
  app.get(`${prefix}/heap`, async (_request, reply) => {
    const session = new Session();
    session.connect();
    const chunks: string[] = [];
    session.on("HeapProfiler.addHeapSnapshotChunk", (message) => chunks.push(message.params.chunk));
    try {
      await session.post("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
    } finally {
      session.disconnect();
    }
    return reply
      .type("application/json")
      .header("content-disposition", 'attachment; filename="rotor.heapsnapshot"')
      .send(chunks.join(""));
  });
}
