import { pino } from "pino";
import { loadConfig } from "../../src/config/load.js";
import { type RotorServer, startRotorServer } from "../../src/server/rotor-server.js";

/** A real rotor whose log lines a test reads. */
export interface LoggedServer {
  readonly server: RotorServer;
  /** http://127.0.0.1:<port> of the main port. */
  readonly url: string;
  /** Every line logged so far, parsed. */
  readonly lines: Record<string, unknown>[];
}

/**
 * Starts rotor on free ports on 127.0.0.1 with `object` as its whole config,
 * logging at `level` into `lines`: for tests asserting what is (and is not) logged.
 */
export async function startLoggedServer(
  object: Record<string, unknown>,
  level = "warn",
): Promise<LoggedServer> {
  const loaded = loadConfig({
    object: { ...object, http_server: { address: "127.0.0.1", port: 0, ...(object.http_server as object) } },
  });
  if (loaded.error !== undefined) throw new Error(loaded.error);
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level, base: undefined }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const server = await startRotorServer(loaded.config, logger);
  return { server, url: `http://127.0.0.1:${server.port}`, lines };
}
