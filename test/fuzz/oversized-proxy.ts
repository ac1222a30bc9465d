import { pino } from "pino";
import WebSocket from "ws";
import { startConnectBackend } from "../proxy/backends/connect-backend.js";
import { type Answer, Script } from "../proxy/backends/script.js";

/** The `max_receive_message_size` of the fuzz server's proxies. */
export const proxyAnswerLimit = 16 * 1024;
/** Every this many calls of a method, the backend answers over the limit. */
const oversizedEvery = 3;
/** The namespace whose subscribes go through the subscribe proxy. */
export const proxiedNamespace = "proxied";

type SizedMethod = "Connect" | "Subscribe";

/** What the backend served and what the server logged about it. */
export interface OversizedReport {
  readonly calls: Record<SizedMethod, number>;
  readonly oversized: Record<SizedMethod, number>;
  /** `proxy call failed` lines naming the size limit, by method. */
  readonly refusedLogged: Record<SizedMethod, number>;
}

/**
 * A Connect-protocol proxy backend for the fuzz server's connect and
 * subscribe proxies that answers every third call with a body four times
 * `max_receive_message_size`, and the rest with a small one; and a logger for
 * the server that counts the refusals it logs. The fuzzed clients reach it by
 * connecting without a token and subscribing to the proxied namespace.
 */
export async function startOversizedProxy() {
  const report: OversizedReport = {
    calls: { Connect: 0, Subscribe: 0 },
    oversized: { Connect: 0, Subscribe: 0 },
    refusedLogged: { Connect: 0, Subscribe: 0 },
  };
  const data = (method: SizedMethod) => {
    const n = ++report.calls[method];
    if (n % oversizedEvery !== 0) return { n };
    report.oversized[method]++;
    return { n, blob: "x".repeat(proxyAnswerLimit * 4) };
  };
  const script = new Script();
  script.define("", {
    Connect: (): Answer => ({ answer: { result: { user: "proxied", data: data("Connect") } } }),
    Subscribe: (): Answer => ({ answer: { result: { data: data("Subscribe") } } }),
  });
  const backend = await startConnectBackend(script);
  const proxy = (method: SizedMethod) => ({
    ...backend.proxy(method),
    max_receive_message_size: proxyAnswerLimit,
  });
  const logger = pino(
    { level: "warn", base: undefined },
    {
      write(line: string) {
        const entry = JSON.parse(line) as { msg?: string; method?: string; failure?: unknown };
        if (
          entry.msg !== "proxy call failed" ||
          !/max_receive_message_size|readMaxBytes|larger than|exceeds/i.test(String(entry.failure))
        )
          return;
        if (entry.method === "Connect" || entry.method === "Subscribe") report.refusedLogged[entry.method]++;
      },
    },
  );
  return {
    report,
    logger,
    /** The fuzz server's connect proxy and subscribe proxy, both with the size limit. */
    config: {
      connect: { enabled: true, ...proxy("Connect") },
      subscribe: proxy("Subscribe"),
    },
    close: () => backend.close(),
  };
}

/** The running backend with its report and the server's logger. */
export type OversizedProxy = Awaited<ReturnType<typeof startOversizedProxy>>;

/** Error codes the proxied probes got back, by the command that got them (`ok` when it succeeded). */
export type ProbeCodes = Record<"connect" | "subscribe", Record<string, number>>;

/** Sends one JSON command on `ws` and resolves with its reply's error code, or `ok`. */
function command(ws: WebSocket, id: number, body: Record<string, unknown>): Promise<string> {
  return new Promise((resolve) => {
    const onMessage = (data: Buffer) => {
      for (const line of data.toString().split("\n")) {
        const reply = line === "" ? {} : (JSON.parse(line) as { id?: number; error?: { code: number } });
        if (reply.id !== id) continue;
        ws.off("message", onMessage);
        resolve(reply.error ? String(reply.error.code) : "ok");
      }
    };
    ws.on("message", onMessage);
    ws.once("close", (code) => resolve(`close ${code}`));
    ws.send(JSON.stringify({ id, ...body }));
  });
}

/**
 * Polite clients beside the fuzzers, one after another until `done` settles:
 * each connects without a token and subscribes to the proxied namespace, so
 * the answers of both proxies — oversized ones included — reach a client that
 * waits for them and records the codes it got.
 */
export async function probeProxiedUntil(url: string, done: Promise<unknown>): Promise<ProbeCodes> {
  let finished = false;
  void done.finally(() => (finished = true));
  const codes: ProbeCodes = { connect: {}, subscribe: {} };
  const count = (kind: keyof ProbeCodes, code: string) => (codes[kind][code] = (codes[kind][code] ?? 0) + 1);
  while (!finished) {
    const ws = new WebSocket(`${url.replace(/^http/, "ws")}/connection/websocket`);
    ws.on("error", () => {});
    await new Promise((resolve) => ws.once("open", resolve));
    const connected = await command(ws, 1, { connect: {} });
    count("connect", connected);
    if (connected === "ok")
      count("subscribe", await command(ws, 2, { subscribe: { channel: `${proxiedNamespace}:room` } }));
    ws.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return codes;
}
