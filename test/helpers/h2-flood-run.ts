import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { FloodPlan, FloodReport } from "./h2-flood.js";

const floodScript = fileURLToPath(new URL("./h2-flood.ts", import.meta.url));

/** The server API's unary gRPC method the floods call: cheap to answer, so only the flood itself costs. */
export const floodPath = "/centrifugal.centrifugo.api.CentrifugoApi/Info";

/**
 * Runs one h2c flood in a child process of its own, so the flood costs the
 * server's process nothing but the traffic, and resolves with its report.
 */
export function runFlood(plan: FloodPlan): Promise<FloodReport> {
  const child = spawn(process.execPath, ["--import", "tsx", floodScript, JSON.stringify(plan)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk));
  return new Promise((resolve, reject) => {
    child.on("exit", (code) =>
      code === 0 ? resolve(JSON.parse(out) as FloodReport) : reject(new Error(out)),
    );
  });
}

/**
 * Whether the server closed every flooding connection and sent GOAWAY on
 * nearly all of them. A GOAWAY may be lost: the server closes a socket whose
 * flooded request bytes it never read, the kernel answers with a TCP reset,
 * and a reset discards what the client had not yet read. One connection in
 * ten may show only the close.
 */
export function floodClosed(report: FloodReport): boolean {
  return (
    report.connected > 0 &&
    report.closedByServer === report.connected &&
    report.stillOpen === 0 &&
    report.goaways >= Math.floor(report.connected * 0.9)
  );
}
