import { basename, relative } from "node:path";
import { envName } from "../config/env.js";
import { starterConfig } from "../config/genconfig.js";
import { configLeaves } from "../config/leaves.js";
import type { Config } from "../config/schema.js";
import type { LogTable } from "../log.js";
import type { RotorServer } from "../server/rotor-server.js";
import { commandConfigFile } from "./cli-io.js";
import type { CommandLine } from "./command-line.js";

/** Options that say where and how loudly to run, not how to secure it: setting them keeps a run zero-config. */
const placementOptions = new Set([
  "http_server.port",
  "http_server.address",
  "http_server.internal_port",
  "http_server.internal_address",
  "log.level",
  "server.workers",
]);

/**
 * A run is zero-config when no config file is given and neither the
 * environment nor the flags set any option beyond the port, the address and
 * the log level: then rotor generates what a first run needs instead of
 * starting a server every client is refused by.
 */
export function isFirstRun(line: CommandLine, env: Record<string, string | undefined>): boolean {
  if (commandConfigFile(line) !== undefined) return false;
  if (line.options.some(([path]) => !placementOptions.has(path))) return false;
  for (const path of configLeaves.keys()) {
    if (placementOptions.has(path)) continue;
    if (env[envName(path)] || env[envName(path, "CENTRIFUGO_")]) return false;
  }
  return true;
}

const loopback = "127.0.0.1";

/**
 * The first run's configuration: the starter config `rotor genconfig` would
 * write (an API key, a token HMAC key, channels open to subscribers) with the
 * admin UI enabled and its password generated, kept in memory for this run.
 * It listens on loopback only: secrets made up a moment ago guard nothing
 * worth exposing; an address given by flag or environment still wins.
 */
export function firstRunConfig(port: unknown): Record<string, unknown> {
  const config = starterConfig({
    adminEnabled: true,
    port: typeof port === "number" && port > 0 ? port : 8000,
  });
  return { ...config, http_server: { ...(config.http_server as object), address: loopback } };
}

/** How to run this same rotor again, for a command line people can paste. */
function selfCommand(): string {
  const script = process.argv[1] ?? "rotor";
  const path = relative(process.cwd(), script);
  return [basename(process.execPath), ...process.execArgv, path.startsWith("..") ? script : path].join(" ");
}

/** What the first run prints: the generated secrets and commands that work with them right away. */
export function firstRunNotes(config: Config, server: RotorServer): LogTable {
  const base = `http://localhost:${server.port}`;
  const api = `http://localhost:${server.internalPort ?? server.port}`;
  const key = config.http_api.key;
  return {
    "API key": `${key}  (X-API-Key header; gRPC metadata authorization: apikey <key>)`,
    "token HMAC key": config.client.token.hmac_secret_key,
    "client token": `${envName("client.token.hmac_secret_key")}=${config.client.token.hmac_secret_key} ${selfCommand()} gentoken --user alice`,
    publish: `curl -X POST -H "X-API-Key: ${key}" -d '{"channel":"news","data":{"text":"hello"}}' ${api}/api/publish`,
    "admin UI": `${server.internalPort === undefined ? base : api}/  password ${config.admin.password}`,
    ...(config.http_server.address === loopback
      ? {
          listening: `on ${loopback} only, as the secrets are generated; --address 0.0.0.0 to accept other machines`,
        }
      : {}),
    "keep them": `${selfCommand()} genconfig${config.admin.enabled ? " --admin" : ""} --port ${server.port} writes config.json with secrets of your own, this port and the admin UI; then ${selfCommand()} starts with it (config.json in this directory is read by default)`,
  };
}
