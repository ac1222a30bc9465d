import net from "node:net";
import { preface } from "./h2-frames.js";

/** What to open (the JSON argument of this script): counts of each kind of connection that never gets going. */
export interface SilentPlan {
  readonly port: number;
  /** TCP connections that send nothing at all. */
  readonly silent: number;
  /** Connections that send the first half of the HTTP/2 preface and stop. */
  readonly partialPreface: number;
  /** Connections that send the whole HTTP/2 preface but no SETTINGS. */
  readonly barePreface: number;
  /** Connections that send the start of an HTTP/1.1 request head, then one more byte every 500 ms. */
  readonly slowHeaders: number;
  /** Give up waiting for the server after this long. */
  readonly waitMs: number;
}

/** Per kind: how many the server closed, and the longest any stayed open, in ms. */
export type SilentReport = Record<string, { closed: number; open: number; longestMs: number }>;

/**
 * Opens connections that never send a whole request and reports when the
 * server closed each. Run as a child process, so that the server's process
 * holds only its own end of each connection (its fd count is the test's).
 */
async function run(plan: SilentPlan): Promise<SilentReport> {
  const report: SilentReport = {};
  const open = (kind: string, start: (socket: net.Socket) => void) =>
    new Promise<void>((resolve) => {
      report[kind] ??= { closed: 0, open: 0, longestMs: 0 };
      const entry = report[kind];
      const begun = Date.now();
      const socket = net.connect(plan.port, "127.0.0.1");
      let trickle: NodeJS.Timeout | undefined;
      let finished = false;
      const done = (closedByServer: boolean) => {
        if (finished) return;
        finished = true;
        clearInterval(trickle);
        if (closedByServer) entry.closed++;
        else entry.open++;
        entry.longestMs = Math.max(entry.longestMs, Date.now() - begun);
        socket.destroy();
        resolve();
      };
      const giveUp = setTimeout(() => done(false), plan.waitMs);
      socket.on("connect", () => {
        start(socket);
        if (kind === "slowHeaders") trickle = setInterval(() => socket.write("x"), 500);
      });
      socket.on("data", () => {});
      socket.on("error", () => {});
      socket.on("close", () => {
        clearTimeout(giveUp);
        done(true);
      });
    });
  const all: Promise<void>[] = [];
  for (let i = 0; i < plan.silent; i++) all.push(open("silent", () => {}));
  for (let i = 0; i < plan.partialPreface; i++) {
    all.push(open("partialPreface", (s) => s.write(preface.subarray(0, 12))));
  }
  for (let i = 0; i < plan.barePreface; i++) all.push(open("barePreface", (s) => s.write(preface)));
  for (let i = 0; i < plan.slowHeaders; i++) {
    all.push(open("slowHeaders", (s) => s.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")));
  }
  await Promise.all(all);
  return report;
}

run(JSON.parse(process.argv[2] ?? "{}") as SilentPlan).then(
  (report) => {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    process.exit(0);
  },
  (err: Error) => {
    process.stderr.write(`${err.stack}\n`);
    process.exit(1);
  },
);
