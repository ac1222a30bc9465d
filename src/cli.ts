#!/usr/bin/env node
import { runTokenCommand, tokenCommandFlags } from "./auth/token-commands.js";
import { parseArgs } from "./config/flags.js";
import { writeStarterConfig } from "./config/genconfig.js";
import { loadConfig } from "./config/load.js";
import { createLogger } from "./log.js";
import { startRotorServer } from "./server/rotor-server.js";

const usage = `Usage: rotor [command] [--config FILE] [flags]

Commands:
  (none)        run the server
  genconfig     write a starter config with fresh secrets to --config FILE (default config.json)
  checkconfig   validate the configuration and exit
  gentoken      print an HS256 connection token: [--user U] [--ttl 1h]
  gensubtoken   print an HS256 subscription token: [--user U] --channel C [--ttl 1h]

Flags:
  --config FILE         JSON config file (Centrifugo v6 shape)
  --port N              main port (default 8000)
  --address A           address to bind (default all interfaces)
  --grpc_api            open the dedicated gRPC API port
  --grpc_api_port N     its port (default 10000)
  --api_key KEY         API key for the HTTP and gRPC APIs
  --api_insecure        serve the API without a key
  --log_level L         trace, debug, info, warn, error
  --<option.path> V     any config option, e.g. --client.insecure or --http_api.key=K
  --user U              gentoken, gensubtoken: the token's user ("" = anonymous)
  --channel C           gensubtoken: the channel
  --ttl D               gentoken, gensubtoken: lifetime as a duration (default 1h; 0 = no expiry)

Every option can also be set with ROTOR_<OPTION_PATH>, e.g. ROTOR_HTTP_API_KEY.`;

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2), tokenCommandFlags);
  if ("error" in args) {
    process.stderr.write(`rotor: ${args.error}\n\n${usage}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (args.command === "genconfig") {
    const file = args.configFile ?? "config.json";
    const written = writeStarterConfig(file);
    if (written.error) {
      process.stderr.write(`rotor: ${written.error}\n`);
      return 1;
    }
    process.stdout.write(`wrote ${file}\n`);
    return 0;
  }
  const loaded = loadConfig({ file: args.configFile, env: process.env, flags: args.flags });
  if (loaded.error !== undefined) {
    process.stderr.write(`rotor: invalid configuration:\n${loaded.error}\n`);
    return 2;
  }
  const config = loaded.config;
  switch (args.command) {
    case undefined:
    case "serve":
      break;
    case "checkconfig":
      process.stdout.write("configuration is valid\n");
      return 0;
    case "gentoken":
    case "gensubtoken":
      return runTokenCommand(args.command, config, args.extra, {
        out: (text) => process.stdout.write(text),
        err: (text) => process.stderr.write(text),
      });
    default:
      process.stderr.write(`rotor: unknown command "${args.command}"\n\n${usage}\n`);
      return 2;
  }
  const logger = createLogger(config.log.level);
  const server = await startRotorServer(config, logger);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    const force = setTimeout(() => process.exit(1), config.shutdown.timeout);
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

main().then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`rotor: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
