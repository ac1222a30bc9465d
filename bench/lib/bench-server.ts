import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { cpuCount, type Proc, spawnNode, spawnPinned, waitForHttp, waitForPort } from "./processes.js";

/** The checkout whose build is the rotor under test: this one unless `--rotor-build` names another. */
let root = fileURLToPath(new URL("../../", import.meta.url));
const baselines = fileURLToPath(new URL("../servers/", import.meta.url));

/** Node flags for every rotor the harness starts (`--rotor-node-flag`), before the caller's own. */
const rotorNodeFlags: string[] = [];

/** Sets the node flags every rotor started from now on runs with. */
export function useRotorNodeFlags(flags: readonly string[]): void {
  rotorNodeFlags.splice(0, rotorNodeFlags.length, ...flags);
}

/** Whether rotor runs from the tsc output (dist/src) rather than the bin's bundle: see useReadableRotor. */
let readable = false;

/**
 * Runs rotor from the tsc output (dist/src/cli.js, the same code as the bundle, module by module)
 * with the bin's node flags, so that a CPU profile names rotor's functions, which the minified
 * bundle does not.
 */
export function useReadableRotor(): void {
  readable = true;
}

/** Runs the rotor of another checkout's build from now on (`--rotor-build DIR`). */
export function useRotorBuild(dir: string | undefined): void {
  if (dir !== undefined) root = resolve(dir);
}

/** The node flags users' rotor runs with (its bin's shebang), for a harness that runs rotor's modules itself. */
export function rotorBinFlags(): string[] {
  return rotorEntry(root).nodeFlags;
}

/** A server under test and where to reach it. */
export interface BenchServer {
  readonly name: string;
  readonly proc: Proc;
  readonly url: string;
  readonly port: number;
}

/**
 * How a tree's build runs as users run it: its bin (the bundle, dist/bin/cli.js)
 * with the node flags of the bin's shebang (`#!/usr/bin/env -S node <flags>`),
 * or, for a build from before the bundle, dist/src/cli.js with none.
 * `script` is the file node runs; `nodeFlags` go before it.
 */
export function rotorEntry(tree: string): { script: string; nodeFlags: string[] } {
  const bin = join(tree, "dist", "bin", "cli.js");
  const modules = join(tree, "dist", "src", "cli.js");
  if (!existsSync(bin)) return { script: modules, nodeFlags: [] };
  const shebang = readFileSync(bin, "utf8").split("\n", 1)[0] ?? "";
  const words = shebang.split(/\s+/);
  const node = words.indexOf("node");
  const nodeFlags = node < 0 ? [] : words.slice(node + 1).filter((w) => w !== "");
  return { script: readable ? modules : bin, nodeFlags };
}

/**
 * rotor from the compiled build, as users run it (its bin, with the bin's node flags): anonymous clients may
 * subscribe to any channel, the API needs no key, logs only warnings.
 * `nodeFlags` go to node itself (`--cpu-prof`, `--trace-gc`…); `tree` is the
 * checkout whose build runs (another one's for an A/B comparison).
 */
export async function startRotor(
  port: number,
  cpus: string,
  extra: readonly string[] = [],
  nodeFlags: readonly string[] = [],
  tree = root,
): Promise<BenchServer> {
  const entry = rotorEntry(tree);
  const proc = spawnNode(
    [
      ...entry.nodeFlags,
      ...rotorNodeFlags,
      ...nodeFlags,
      entry.script,
      "--port",
      String(port),
      "--address",
      "127.0.0.1",
      "--api_insecure",
      "--client.insecure",
      "--log_level",
      "warn",
      ...extra,
    ],
    cpus,
    false,
  );
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health`, proc);
  return { name: "rotor", proc, url, port };
}

/** One of the baseline servers in bench/servers, by file name without extension. */
export async function startBaseline(
  name: string,
  port: number,
  cpus: string,
  extra: readonly string[] = [],
): Promise<BenchServer> {
  const proc = spawnNode([`${baselines}${name}.ts`, "--port", String(port), ...extra], cpus, true);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health`, proc);
  return { name, proc, url, port };
}

/**
 * A baseline in plain JavaScript (bench/servers/<name>.mjs), run by node
 * without the TypeScript loader, so that its memory is Node's own.
 */
export async function startPlainBaseline(name: string, port: number, cpus: string): Promise<BenchServer> {
  const proc = spawnNode([`${baselines}${name}.mjs`, "--port", String(port)], cpus, false);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health`, proc);
  return { name, proc, url, port };
}

/**
 * The Go Centrifuge baseline (bench/go-centrifuge), pinned to the same CPUs
 * as rotor, with as many Go schedulers (GOMAXPROCS) as those CPUs.
 */
export async function startGoCentrifuge(
  binary: string,
  port: number,
  cpus: string,
  extra: readonly string[] = [],
): Promise<BenchServer> {
  const env = cpus ? { GOMAXPROCS: String(cpuCount(cpus)) } : {};
  const proc = spawnPinned(binary, ["--port", String(port), ...extra], cpus, env);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health`, proc);
  return { name: "go-centrifuge", proc, url, port };
}

/** A baseline that speaks only HTTP/2 (gRPC), so it is ready when its port accepts connections. */
export async function startH2Baseline(name: string, port: number, cpus: string): Promise<BenchServer> {
  const proc = spawnNode([`${baselines}${name}.ts`, "--port", String(port)], cpus, true);
  await waitForPort(port, proc);
  return { name, proc, url: `http://127.0.0.1:${port}`, port };
}
