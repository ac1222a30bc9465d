import { readdirSync } from "node:fs";
import { type IpcRequest, serve } from "../lib/ipc.js";
import { portArg } from "./server-args.js";

// The compiled build, as users run it (typed by the sources it was built from).
const dist = new URL("../../dist/src/", import.meta.url).href;
const { loadConfig } = (await import(`${dist}config/load.js`)) as typeof import("../../src/config/load.js");
const { createLogger } = (await import(`${dist}log.js`)) as typeof import("../../src/log.js");
const { startRotorServer } = (await import(
  `${dist}server/rotor-server.js`
)) as typeof import("../../src/server/rotor-server.js");

/**
 * rotor from the compiled build, for the soak: the server the soak measures,
 * with recovery on its channels, that also reports its own memory over IPC
 * (the heap, external memory and open descriptors are only visible from
 * inside the process). Its channels keep 100 publications each: a stream
 * keeps `history_size` while it is published to (`history_ttl` runs from the
 * last publish), so the history is full after `history_size` × channels ÷ rate
 * seconds (50 s at 200/s, 40 s with --quick) — inside the warm-up, not
 * counted as growth (with 1,000 and 100 publications/s it was still filling
 * at the end of a 30-minute soak, and its 40 MB read as a leak).
 */
const loaded = loadConfig({
  object: {
    log: { level: "warn" },
    http_server: { address: "127.0.0.1", port: portArg() },
    http_api: { insecure: true },
    client: { insecure: true },
    channel: {
      namespaces: [{ name: "soak", history_size: 100, history_ttl: "300s", force_recovery: true }],
    },
  },
});
if (loaded.error !== undefined) throw new Error(loaded.error);
const server = await startRotorServer(loaded.config, createLogger(loaded.config.log.level));

serve(async (request: IpcRequest) => {
  if (request.type !== "memory") throw new Error(`unknown request ${request.type}`);
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  const descriptors = readdirSync("/proc/self/fd").length;
  return {
    rss,
    heapUsed,
    heapTotal,
    external,
    arrayBuffers,
    clients: server.node.hub.numClients,
    descriptors,
  };
});
process.on("SIGTERM", () => {
  server.close().then(() => process.exit(0));
});
