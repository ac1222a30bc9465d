import type { FastifyInstance } from "fastify";
import { StartupError } from "../errors/startup-error.js";

/**
 * Starts one listener. A port that is taken or not permitted becomes a
 * StartupError naming the setting that chose it (`option`, e.g.
 * `http_server.port`, and its flag when it has one), so the fix is in the
 * message; any other failure is thrown unchanged.
 */
export async function listenOn(
  app: FastifyInstance,
  host: string,
  port: number,
  option: string,
): Promise<void> {
  try {
    await app.listen({ host, port });
  } catch (err) {
    throw listenFailure(err as NodeJS.ErrnoException, host, port, option) ?? err;
  }
}

function listenFailure(
  err: NodeJS.ErrnoException,
  host: string,
  port: number,
  option: string,
): StartupError | undefined {
  const where = `${host}:${port}`;
  if (err.code === "EADDRINUSE") {
    return new StartupError(`${where} is already in use (EADDRINUSE): choose another port with ${option}`);
  }
  if (err.code === "EACCES") {
    return new StartupError(
      `not permitted to listen on ${where} (EACCES): ports below 1024 need root or CAP_NET_BIND_SERVICE; choose another with ${option}`,
    );
  }
  if (err.code === "EADDRNOTAVAIL") {
    return new StartupError(
      `${host} is not an address of this machine (EADDRNOTAVAIL): change it (${option})`,
    );
  }
  return undefined;
}
