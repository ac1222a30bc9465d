import cluster from "node:cluster";
import { rmSync, writeFileSync } from "node:fs";
import type { Logger } from "pino";
import { loadConfig } from "../config/load.js";
import type { Config } from "../config/schema.js";
import { releaseStartUpMemory } from "../lifecycle/start-up-memory.js";
import { exitOnUnhandledRejection } from "../lifecycle/unhandled-rejections.js";
import { createLogger } from "../log.js";
import { resolveApiKeys } from "../server/api-keys.js";
import { type RotorServer, reportGeneratedKey, startRotorServer } from "../server/rotor-server.js";
import { runPrimary } from "../workers/primary.js";
import { planWorkers } from "../workers/worker-plan.js";
import { receiveRole } from "../workers/worker-role.js";
import { type CliIo, loadCommandConfig } from "./cli-io.js";
import type { CommandLine } from "./command-line.js";
import { firstRunConfig, firstRunNotes, isFirstRun } from "./first-run.js";
import { reportFirstRun } from "./first-run-secrets.js";

/**
 * `rotor [flags]`: runs the server until SIGINT or SIGTERM, then shuts down
 * gracefully within `shutdown.timeout`. Resolves with -1 (still running) once
 * listening; the process exits from the signal handler. A zero-config run
 * gets generated secrets and the admin UI, and says how to use them. With
 * `server.workers` above 1 this process becomes the primary of that many
 * workers, each of which runs this same command line as one node.
 */
export async function serve(line: CommandLine, io: CliIo): Promise<number> {
  const firstRun = isFirstRun(line, io.env);
  const port = line.options.find(([path]) => path === "http_server.port")?.[1];
  const loaded = firstRun
    ? loadConfig({ object: firstRunConfig(port), env: io.env, flags: line.options })
    : loadCommandConfig(line, io);
  if (loaded.error !== undefined) {
    io.err(`rotor: invalid configuration:\n${loaded.error}\n`);
    return 2;
  }
  const config = loaded.config;
  let logger: Logger;
  try {
    logger = createLogger(config.log.level, undefined, config.log.file);
  } catch (err) {
    io.err(`rotor: log.file: cannot open ${config.log.file}: ${(err as Error).message}\n`);
    return 1;
  }
  exitOnUnhandledRejection(logger);
  if (cluster.isWorker) return serveAsWorker(config, logger, stopOnSignal(config, logger));
  for (const warning of loaded.warnings) logger.warn(warning);
  if (config.pid_file) {
    try {
      writePidFile(config.pid_file);
    } catch (err) {
      io.err(`rotor: pid_file: cannot write ${config.pid_file}: ${(err as Error).message}\n`);
      return 1;
    }
  }
  const plan = planWorkers(config);
  if ("error" in plan) {
    io.err(`rotor: ${plan.error}\n`);
    return 1;
  }
  if (plan.count > 1) {
    for (const warning of plan.warnings) logger.warn(warning);
    const apiKey = resolveApiKeys(config).generated;
    if (apiKey) reportGeneratedKey(logger, apiKey, config.log.file);
    runPrimary({ count: plan.count, shutdownTimeoutMs: config.shutdown.timeout, apiKey, log: logger });
    releaseStartUpMemory(logger);
    return -1;
  }
  const stopper = stopOnSignal(config, logger);
  const server = await stopper.start((abort) =>
    startRotorServer(config, logger, undefined, undefined, abort),
  );
  if (firstRun) reportFirstRun(logger, firstRunNotes(config, server), process.stdout.isTTY === true);
  releaseStartUpMemory(logger);
  return -1;
}

/** `pid_file`: this process's ID, written at start (mode 0600) and removed when the process exits. */
function writePidFile(path: string): void {
  writeFileSync(path, `${process.pid}\n`, { mode: 0o600 });
  process.on("exit", () => rmSync(path, { force: true }));
}

/** One of several workers: the node its primary's role names, on the API key the primary made. */
async function serveAsWorker(config: Config, logger: Logger, stopper: Stopper): Promise<number> {
  const role = await receiveRole();
  const log = logger.child({ worker: role.number });
  const keyed = role.apiKey ? { ...config, http_api: { ...config.http_api, key: role.apiKey } } : config;
  await stopper.start((abort) => startRotorServer(keyed, log, role, undefined, abort));
  releaseStartUpMemory(log);
  return -1;
}

/** Runs start-up under the stop signals (see `stopOnSignal`) and resolves with the running server. */
interface Stopper {
  start(begin: (abort: AbortSignal) => Promise<RotorServer>): Promise<RotorServer>;
}

/**
 * On SIGINT or SIGTERM: a graceful close within `shutdown.timeout`, then exit
 * (1 past the timeout). Installed before start-up, so that a stop while rotor
 * is still starting — waiting for its engine, say — is a clean stop too: what
 * already started is stopped (a node already in the cluster leaves it), and
 * the exit is 0. Before start-up began there is nothing to stop.
 */
function stopOnSignal(config: Config, logger: Logger): Stopper {
  const startUp = new AbortController();
  let server: RotorServer | undefined;
  let starting = false;
  let stopping = false;
  const exitOnceClosed = (running: RotorServer): void => {
    running.close().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    const force = setTimeout(() => {
      logger.error("shutdown timeout reached");
      process.exit(1);
    }, config.shutdown.timeout);
    force.unref();
    if (server) exitOnceClosed(server);
    else if (starting) startUp.abort();
    else process.exit(0);
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  if (process.env.npm_command) stopWithParent(() => stop("parent exited"));
  return {
    async start(begin) {
      starting = true;
      try {
        server = await begin(startUp.signal);
      } catch (err) {
        if (stopping) process.exit(0);
        throw err;
      }
      if (stopping) exitOnceClosed(server);
      return server;
    },
  };
}

/**
 * Started by npm (`npx rotor`, `npm exec`), rotor stops when npm does: npm
 * exec exits on SIGTERM without passing it on, which would leave the server
 * running with nobody to stop it and the port taken. A process started any
 * other way is left alone when its parent goes (`nohup rotor &`).
 */
function stopWithParent(stop: () => void): void {
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    stop();
  }, 250);
  watch.unref();
}
