import { loadConfig } from "../config/load.js";
import { createLogger } from "../log.js";
import { startRotorServer } from "../server/rotor-server.js";
import { type CliIo, loadCommandConfig } from "./cli-io.js";
import type { CommandLine } from "./command-line.js";
import { firstRunConfig, firstRunNotes, isFirstRun } from "./first-run.js";

/**
 * `rotor [flags]`: runs the server until SIGINT or SIGTERM, then shuts down
 * gracefully within `shutdown.timeout`. Resolves with -1 (still running) once
 * listening; the process exits from the signal handler. A zero-config run
 * gets generated secrets and the admin UI, and says how to use them.
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
  const logger = createLogger(config.log.level);
  for (const warning of loaded.warnings) logger.warn(warning);
  const server = await startRotorServer(config, logger);
  if (firstRun) {
    logger.warn(
      { use: firstRunNotes(config, server) },
      "no configuration given: running with secrets generated for this run only",
    );
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    const force = setTimeout(() => {
      logger.error("shutdown timeout reached");
      process.exit(1);
    }, config.shutdown.timeout);
    force.unref();
    server.close().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  return -1;
}
