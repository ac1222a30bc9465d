import { execFileSync } from "node:child_process";
import { createWriteStream, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, cpus as machineCpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { mintConnectionToken } from "../src/auth/mint.js";
import {
  rotorEntry,
  startRotor,
  useReadableRotor,
  useRotorBuild,
  useRotorNodeFlags,
} from "./lib/bench-server.js";
import { nowMs, sleep } from "./lib/clock.js";
import { summariseProfile } from "./lib/cpu-profile.js";
import { localAddresses, openFleet } from "./lib/fleet.js";
import { summariseGcTrace } from "./lib/gc-trace.js";
import { quantile } from "./lib/histogram.js";
import { ask } from "./lib/ipc.js";
import { parseOptions } from "./lib/options.js";
import { cpuSeconds, freePort, killAll, raiseFileLimit, spawnNode } from "./lib/processes.js";
import { startRedisServer, startRotorOnRedis } from "./lib/redis-server.js";
import { apiProtocols, bodyFile, checkOnce } from "./load/api-requests.js";
import { h2load } from "./load/h2load.js";
import { mapsConfig, type ProfileWindow, profileMaps } from "./profile-maps.js";

/**
 * Profiles rotor under one bench workload: rotor runs with `--cpu-prof` and
 * `--trace-gc`, the harness's own load drives it, and the CPU samples and GC
 * pauses taken while the load ran (not during start-up or connection set-up)
 * are summarised into `.tmp/profiles/<workload>-<date>/summary.md`, beside the
 * raw `.cpuprofile` (open it in Chrome DevTools) and `gc.log`.
 */
const usage = `usage: npm run bench:profile -- <workload> [--subscribers N] [--channels N] [--publications N] [--in-flight N]
                        [--seconds S] [--server-cpus LIST] [--load-cpus LIST] [--no-build] [--ab-tree DIR]
--ab-tree DIR profiles the build of another checkout (the A side of an A/B comparison).
workloads: fanout, latency (publish→deliver at 50 msg/s), maps (a map burst beside a stream burst), redis (batched publishes through the Redis
           engine with history on, as the bench's redis scenario), connect and connect-jwt (a connection storm over
           WebSocket JSON, as the bench's connect scenario; --subscribers is the number of connects), and Publish over h2load:
           ${apiProtocols()
             .map((p) => apiWorkload(p.name))
             .join(", ")}`;

function apiWorkload(protocol: string): string {
  return protocol
    .toLowerCase()
    .replace(/^http \/api\/publish$/, "http-json")
    .replace(/ /g, "-");
}

const root = fileURLToPath(new URL("..", import.meta.url));
const publisherFile = fileURLToPath(new URL("./load/publisher.ts", import.meta.url));
const batchPublisherFile = fileURLToPath(new URL("./load/batch-publisher.ts", import.meta.url));
const stormFile = fileURLToPath(new URL("./load/connect-storm.ts", import.meta.url));
const connectSecret = "bench-profile-secret";

interface Args {
  workload: string;
  subscribers: number;
  /** Channels the fanout workload's subscribers are spread over, publications round-robin over them. */
  channels: number;
  publications: number;
  inFlight: number;
  seconds: number;
}

function parseArgs(argv: string[]): { args: Args; rest: string[] } {
  const workload = argv[0];
  if (!workload || workload.startsWith("--")) throw new Error(usage);
  const args: Args = { workload, subscribers: 1000, channels: 1, publications: 0, inFlight: 0, seconds: 15 };
  const rest: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const flag = argv[i]!;
    const key = {
      "--subscribers": "subscribers",
      "--channels": "channels",
      "--publications": "publications",
      "--in-flight": "inFlight",
      "--seconds": "seconds",
    }[flag] as keyof Omit<Args, "workload"> | undefined;
    if (key) args[key] = Number(argv[++i]);
    else rest.push(flag);
  }
  return { args, rest };
}

type Lines = string[];

async function fanout(url: string, pid: number, a: Args, rate: number, loadCpus: string, out: Lines) {
  const channels = Array.from({ length: a.channels }, (_, i) => `bench${i}`);
  const fleet = await openFleet({
    url,
    mode: "centrifugo",
    count: a.subscribers,
    channels,
    subscribe: true,
    cpus: loadCpus,
  });
  const publisher = spawnNode([publisherFile], loadCpus, true);
  try {
    const count =
      a.publications || (rate > 0 ? rate * a.seconds : Math.round((2_000_000 * a.channels) / a.subscribers));
    const inFlight = a.inFlight || (rate > 0 ? 4 : 1);
    const cpu0 = cpuSeconds(pid);
    const from = nowMs();
    await ask(publisher.child, {
      type: "run",
      url,
      path: "/api/publish",
      channels,
      count,
      rate,
      concurrency: inFlight,
    });
    const got = await fleet.waitFor((count * a.subscribers) / a.channels, 5000);
    const to = nowMs();
    const cpu = cpuSeconds(pid) - cpu0;
    out.push(
      `- ${count} publications to ${a.subscribers} subscribers over ${a.channels} channel(s), ${inFlight} in flight${rate ? `, ${rate}/s` : ""}: ${got.received} deliveries in ${got.frames} WebSocket messages (${(got.received / got.frames).toFixed(2)} per message)`,
      `- ${Math.round(got.received / ((got.lastAt - from) / 1000))} deliveries/s; server CPU ${cpu.toFixed(2)} s = ${((cpu * 1e6) / got.received).toFixed(2)} µs per delivery`,
      `- publish→deliver p50 ${quantile(got.histogram, 0.5).toFixed(2)} ms, p99 ${quantile(got.histogram, 0.99).toFixed(2)} ms, p99.9 ${quantile(got.histogram, 0.999).toFixed(2)} ms`,
    );
    return { from, to };
  } finally {
    await fleet.close();
    await publisher.stop();
  }
}

async function api(url: string, pid: number, a: Args, loadCpus: string, out: Lines) {
  const protocol = apiProtocols().find((p) => apiWorkload(p.name) === a.workload);
  if (!protocol) throw new Error(`unknown workload ${a.workload}\n${usage}`);
  const problem = await checkOnce(url, protocol);
  if (problem) throw new Error(`${protocol.name} publish failed: ${problem}`);
  const file = bodyFile(protocol);
  try {
    const from = nowMs();
    const inFlight = a.inFlight || 16;
    const r = await h2load({
      url,
      protocol,
      file,
      inFlight,
      seconds: a.seconds,
      warmUpMs: 0,
      cpus: loadCpus,
      serverPid: pid,
    });
    const to = nowMs();
    out.push(
      `- ${protocol.name} Publish, ${inFlight} in flight, ${a.seconds} s: ${Math.round(r.rps)} req/s, ${r.failed} failed`,
      `- ${Math.round(r.perCpuSecond)} requests per server CPU-second = ${(1e6 / r.perCpuSecond).toFixed(1)} µs of server CPU per request`,
    );
    return { from, to };
  } finally {
    rmSync(dirname(file), { recursive: true, force: true });
  }
}

async function redisBatches(url: string, pid: number, a: Args, loadCpus: string, out: Lines) {
  const publisher = spawnNode([batchPublisherFile], loadCpus, true);
  try {
    const count = a.publications || 200_000;
    const inFlight = a.inFlight || 8;
    const cpu0 = cpuSeconds(pid);
    const from = nowMs();
    const r = await ask<{ acknowledged: number; errors: number; seconds: number }>(publisher.child, {
      type: "run",
      url,
      channels: 1000,
      count,
      batchSize: 100,
      concurrency: inFlight,
    });
    const to = nowMs();
    const cpu = cpuSeconds(pid) - cpu0;
    out.push(
      `- ${count} publications to 1000 channels with history, batches of 100, ${inFlight} in flight: ${Math.round(r.acknowledged / r.seconds)} pub/s, ${r.errors} failed`,
      `- server CPU ${cpu.toFixed(2)} s = ${((cpu * 1e6) / r.acknowledged).toFixed(1)} µs per publication`,
    );
    return { from, to };
  } finally {
    await publisher.stop();
  }
}

/** A warm-up storm, then the profiled one: connect + subscribe + close, 32 in flight. */
async function connectStorm(url: string, pid: number, a: Args, loadCpus: string, out: Lines) {
  const load = spawnNode([stormFile], loadCpus, true);
  raiseFileLimit(load.pid);
  const jwt = a.workload === "connect-jwt";
  const token = jwt ? await mintConnectionToken({ secret: connectSecret, user: "bench", ttl: 0 }) : "";
  const storm = (count: number) =>
    ask<{ ms: number; failed: number; firstError: string }>(
      load.child,
      { type: "storm", url, kind: "json", dialect: "v2", count, inFlight: 32, token, localAddresses },
      600_000,
    );
  try {
    await storm(a.subscribers);
    await sleep(300);
    const cpu0 = cpuSeconds(pid);
    const from = nowMs();
    const r = await storm(a.subscribers);
    await sleep(500);
    const to = nowMs();
    const cpu = cpuSeconds(pid) - cpu0;
    if (r.failed > 0) throw new Error(`${r.failed} connects failed: ${r.firstError}`);
    out.push(
      `- ${a.subscribers} × connect + subscribe + close over WebSocket JSON${jwt ? " with a JWT" : ""}, 32 in flight: ${Math.round(r.ms)} ms`,
      `- server CPU ${cpu.toFixed(2)} s = ${((cpu * 1e6) / a.subscribers).toFixed(0)} µs per connect (profiled, so above the bench's figure)`,
    );
    return { from, to };
  } finally {
    await load.stop();
  }
}

const ms = (v: number) => v.toFixed(1);

async function main(): Promise<void> {
  const { args, rest } = parseArgs(process.argv.slice(2));
  const options = parseOptions(rest, machineCpus().length);
  useRotorNodeFlags(options.rotorNodeFlags);
  useRotorBuild(options.rotorBuild);
  useReadableRotor();
  if (!options.noBuild) execFileSync("npm", ["run", "build", "--silent"], { cwd: root, stdio: "inherit" });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const dir = join(root, ".tmp", "profiles", `${args.workload}-${stamp}`);
  mkdirSync(dir, { recursive: true });
  const entry = rotorEntry(options.abTree ?? options.rotorBuild ?? root);
  const out: Lines = [
    `# rotor profile: ${args.workload}, ${new Date().toISOString()}`,
    "",
    `- command: \`npm run bench:profile -- ${process.argv.slice(2).join(" ")}\``,
    `- rotor runs as \`node ${entry.nodeFlags.join(" ")} --cpu-prof --cpu-prof-dir ${dir} --cpu-prof-interval 250 --trace-gc ${entry.script} …\` (the bin's code module by module, so the profile names functions), pinned to CPU ${options.serverCpus || "(any)"}; load on ${options.loadCpus || "(any)"}`,
    `- load average at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  ];
  const gcLog = createWriteStream(join(dir, "gc.log"));
  let gcText = "";
  const nodeFlags = ["--cpu-prof", "--cpu-prof-dir", dir, "--cpu-prof-interval", "250", "--trace-gc"];
  const redis = args.workload === "redis" ? await startRedisServer(options.loadCpus) : undefined;
  const server = redis
    ? await startRotorOnRedis(redis, "profile", options.serverCpus, nodeFlags)
    : await startRotor(
        await freePort(),
        options.serverCpus,
        args.workload === "maps"
          ? mapsConfig(dir)
          : args.workload === "connect-jwt"
            ? ["--client.token.hmac_secret_key", connectSecret]
            : [],
        nodeFlags,
        options.abTree,
      );
  const stdout = server.proc.child.stdout!;
  stdout.on("data", (chunk: Buffer) => {
    gcText += chunk.toString();
    gcLog.write(chunk);
  });
  const drained = new Promise((resolve) => stdout.once("close", resolve));
  let windows: ProfileWindow[];
  const whole = (w: { from: number; to: number }) => [{ label: "the load", ...w }];
  try {
    windows =
      args.workload === "fanout"
        ? whole(await fanout(server.url, server.proc.pid, args, 0, options.loadCpus, out))
        : args.workload === "latency"
          ? whole(await fanout(server.url, server.proc.pid, args, 50, options.loadCpus, out))
          : args.workload === "maps"
            ? await profileMaps(server.url, server.proc.pid, args, options.loadCpus, out)
            : args.workload === "redis"
              ? whole(await redisBatches(server.url, server.proc.pid, args, options.loadCpus, out))
              : args.workload === "connect" || args.workload === "connect-jwt"
                ? whole(await connectStorm(server.url, server.proc.pid, args, options.loadCpus, out))
                : whole(await api(server.url, server.proc.pid, args, options.loadCpus, out));
  } finally {
    await server.proc.stop();
    await redis?.stop();
    await drained;
    gcLog.end();
  }
  out.push(
    `- load average at end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
  if (!file) throw new Error(`rotor wrote no .cpuprofile in ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, file), "utf8"));
  // --trace-gc stamps each line with ms since the isolate started, which is about when profiling started.
  const isolateStartMs = profile.startTime / 1000;
  for (const w of windows) {
    const summary = summariseProfile(profile, w.from * 1000, w.to * 1000);
    const during = windows.length > 1 ? w.label : "the load ran";
    out.push(
      "",
      `## CPU while ${during}: ${ms(summary.busyMs)} ms busy of ${ms(summary.windowMs)} ms sampled`,
      "",
      "| self time by area | ms | % of busy |",
      "|---|---|---|",
      ...summary.areas.slice(0, 15).map((a) => `| ${a.name} | ${ms(a.ms)} | ${a.percent.toFixed(1)} |`),
      "",
      "| top functions by self time | where | ms | % of busy |",
      "|---|---|---|---|",
      ...summary.functions
        .slice(0, 30)
        .map((f) => `| ${f.name} | ${f.where} | ${ms(f.ms)} | ${f.percent.toFixed(1)} |`),
      "",
      `## GC pauses while ${during} (--trace-gc)`,
      "",
      "| kind | count | total ms | max ms | p99 ms | incremental marking ms |",
      "|---|---|---|---|---|---|",
      ...summariseGcTrace(gcText, w.from - isolateStartMs, w.to - isolateStartMs).map(
        (g) =>
          `| ${g.kind} | ${g.count} | ${ms(g.totalMs)} | ${g.maxMs.toFixed(2)} | ${g.p99Ms.toFixed(2)} | ${ms(g.incrementalMs)} |`,
      ),
    );
  }
  out.push("", `Raw data: ${file} (Chrome DevTools → Performance → load), gc.log.`);
  const text = `${out.join("\n")}\n`;
  writeFileSync(join(dir, "summary.md"), text);
  process.stdout.write(`${text}\nwritten: ${join(dir, "summary.md")}\n`);
}

process.once("exit", killAll);

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  },
);
