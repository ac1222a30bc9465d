import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { useRotorBuild, useRotorNodeFlags } from "./lib/bench-server.js";
import { parseOptions } from "./lib/options.js";
import { killAll, stopAll } from "./lib/processes.js";
import { type Report, toMarkdown } from "./lib/report.js";
import { runApi } from "./scenarios/api.js";
import { runCompression } from "./scenarios/compression.js";
import { runConnect } from "./scenarios/connect.js";
import { runConnections } from "./scenarios/connections.js";
import type { ScenarioContext } from "./scenarios/context.js";
import { runFanout } from "./scenarios/fanout.js";
import { runLatency } from "./scenarios/latency.js";
import { runMaps } from "./scenarios/maps.js";
import { runPostgres } from "./scenarios/postgres.js";
import { runProxy } from "./scenarios/proxy.js";
import { runRedis } from "./scenarios/redis.js";
import { runSoak } from "./scenarios/soak.js";
import { runWorkers } from "./scenarios/workers.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const resultsDir = fileURLToPath(new URL("./results/", import.meta.url));

const scenarios = {
  fanout: runFanout,
  latency: runLatency,
  compression: runCompression,
  api: runApi,
  connections: runConnections,
  connect: runConnect,
  redis: runRedis,
  postgres: runPostgres,
  proxy: runProxy,
  soak: runSoak,
  workers: runWorkers,
  maps: runMaps,
} as const;

function machine(): Record<string, string | number> {
  const list = cpus();
  return {
    cpu: `${list.length} × ${list[0]?.model ?? "unknown"}`,
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    "load average at start": loadavg()
      .map((l) => l.toFixed(2))
      .join(" "),
  };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2), cpus().length);
  const unknown = options.only.filter((s) => !Object.hasOwn(scenarios, s));
  if (unknown.length > 0)
    throw new Error(`unknown scenario ${unknown.join(", ")}; known: ${Object.keys(scenarios).join(", ")}`);
  useRotorNodeFlags(options.rotorNodeFlags);
  useRotorBuild(options.rotorBuild);
  if (!options.noBuild) execFileSync("npm", ["run", "build", "--silent"], { cwd: root, stdio: "inherit" });
  const started = new Date();
  const report: Report = {
    date: started.toISOString(),
    machine: machine(),
    options,
    rows: [],
    figures: [],
    notes: [],
  };
  const ctx: ScenarioContext = { options, report, log: (m) => process.stderr.write(`${m}\n`) };
  for (const [name, run] of Object.entries(scenarios)) {
    if (options.only.length > 0 && !options.only.includes(name)) continue;
    try {
      await run(ctx);
    } catch (err) {
      report.notes.push(`${name} failed: ${(err as Error).message}`);
      ctx.log(`${name} failed: ${(err as Error).stack}`);
    } finally {
      for (const what of await stopAll()) ctx.log(`${name}: stopped what it left running: ${what}`);
    }
  }
  report.machine["load average at end"] = loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
  report.machine["wall time"] = `${Math.round((Date.now() - started.getTime()) / 1000)} s`;
  mkdirSync(resultsDir, { recursive: true });
  const stamp = report.date.replace(/[:.]/g, "-");
  const kind = options.quick ? "quick" : "full";
  const markdown = toMarkdown(report);
  writeFileSync(`${resultsDir}${stamp}-${kind}.md`, markdown);
  writeFileSync(`${resultsDir}${stamp}-${kind}.json`, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(markdown);
  process.stdout.write(`\nwritten: bench/results/${stamp}-${kind}.{md,json}\n`);
}

process.once("exit", killAll);
for (const [signal, code] of [
  ["SIGINT", 130],
  ["SIGTERM", 143],
] as const)
  process.once(signal, () => {
    killAll();
    process.exit(code);
  });

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  },
);
