import net from "node:net";
import { clientStart, FrameReader, flags, frame, frameType, headerBlock, rstStream } from "./h2-frames.js";

/** What one flood run is told to do (the JSON argument of this script). */
export interface FloodPlan {
  readonly port: number;
  readonly connections: number;
  readonly streams: number;
  /** Reset every stream right after its headers (rapid reset) instead of sending a whole request. */
  readonly reset: boolean;
  /** Send the burst with the preface, before the server's SETTINGS arrives (acknowledged only afterwards). */
  readonly beforeAck?: boolean;
  /**
   * Behave instead: after the acknowledgement keep `streams` calls in flight
   * (a new one as each ends) for this long, then let them end and close the connection.
   */
  readonly steadyMs?: number;
  readonly path: string;
  readonly key: string;
  /** Give up waiting for the server to close the sockets after this long. */
  readonly waitMs: number;
}

/** What the flood saw: how the server answered and whether it closed the sockets. */
export interface FloodReport {
  readonly connected: number;
  readonly bytesSent: number;
  readonly responses: number;
  /** Calls whose answer ended (trailers with END_STREAM). */
  readonly completed: number;
  readonly refused: number;
  readonly goaways: number;
  readonly goawayCodes: number[];
  readonly closedByServer: number;
  readonly stillOpen: number;
}

/**
 * Opens `connections` h2c connections and sends `streams` unary gRPC calls on
 * each, all at once, ignoring SETTINGS_MAX_CONCURRENT_STREAMS: whole requests,
 * or HEADERS followed at once by RST_STREAM. It reads (and drops) what comes
 * back and reports how the server dealt with it. Run as a child process, so
 * the flood costs the server's process nothing but the flood itself.
 */
async function flood(plan: FloodPlan): Promise<FloodReport> {
  const report = {
    connected: 0,
    bytesSent: 0,
    responses: 0,
    completed: 0,
    refused: 0,
    goaways: 0,
    goawayCodes: [] as number[],
    closedByServer: 0,
    stillOpen: 0,
    lastCloseMs: 0,
  };
  const begun = Date.now();
  const block = headerBlock([
    [":method", "POST"],
    [":scheme", "http"],
    [":authority", `127.0.0.1:${plan.port}`],
    [":path", plan.path],
    ["content-type", "application/grpc"],
    ["te", "trailers"],
    ["authorization", `apikey ${plan.key}`],
  ]);
  const emptyMessage = Buffer.alloc(5);
  const request = (id: number) =>
    Buffer.concat([
      frame(frameType.headers, flags.endHeaders, id, block),
      plan.reset ? rstStream(id) : frame(frameType.data, flags.endStream, id, emptyMessage),
    ]);
  const burst = Buffer.concat(Array.from({ length: plan.streams }, (_, i) => request(2 * i + 1)));

  const sockets = Array.from(
    { length: plan.connections },
    () =>
      new Promise<void>((resolve) => {
        const socket = net.connect(plan.port, "127.0.0.1");
        let started = false;
        let open = true;
        let nextId = 2 * plan.streams + 1;
        let inFlight = plan.streams;
        const steadyUntil = plan.steadyMs === undefined ? 0 : Date.now() + plan.steadyMs;
        const done = () => {
          if (open) {
            open = false;
            resolve();
          }
        };
        const reader = new FrameReader((type, flag, _stream, payload) => {
          if (type === frameType.settings && !(flag & flags.ack) && !started) {
            started = true;
            socket.write(frame(frameType.settings, flags.ack, 0));
            if (!plan.beforeAck) send();
          } else if (type === frameType.headers) {
            report.responses++;
            if (flag & flags.endStream) {
              report.completed++;
              inFlight--;
              if (Date.now() < steadyUntil) {
                socket.write(request(nextId));
                nextId += 2;
                inFlight++;
              } else if (steadyUntil > 0 && inFlight === 0) {
                socket.destroy();
                done();
              }
            }
          } else if (type === frameType.rstStream) report.refused++;
          else if (type === frameType.goaway) {
            report.goaways++;
            report.goawayCodes.push(payload.readUInt32BE(4));
          }
        });
        const send = () => {
          socket.write(burst);
          report.bytesSent += burst.length;
        };
        socket.on("connect", () => {
          report.connected++;
          socket.write(clientStart());
          if (plan.beforeAck) send();
        });
        socket.on("data", (chunk: Buffer) => reader.push(chunk));
        socket.on("end", () => {
          report.closedByServer++;
          report.lastCloseMs = Date.now() - begun;
          socket.destroy();
          done();
        });
        socket.on("error", () => {
          report.closedByServer++;
          done();
        });
        socket.on("close", done);
        setTimeout(() => {
          if (open) report.stillOpen++;
          socket.destroy();
          done();
        }, plan.waitMs).unref();
      }),
  );
  await Promise.all(sockets);
  return report;
}

const plan = JSON.parse(process.argv[2] ?? "{}") as FloodPlan;
flood(plan).then(
  (report) => {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    process.exit(0);
  },
  (err: Error) => {
    process.stderr.write(`${err.stack}\n`);
    process.exit(1);
  },
);
