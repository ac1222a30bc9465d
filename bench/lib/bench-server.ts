import { fileURLToPath } from "node:url";
import { type Proc, spawnNode, waitForHttp } from "./processes.js";

const cli = fileURLToPath(new URL("../../dist/src/cli.js", import.meta.url));
const baselines = fileURLToPath(new URL("../servers/", import.meta.url));

/** A server under test and where to reach it. */
export interface BenchServer {
  readonly name: string;
  readonly proc: Proc;
  readonly url: string;
  readonly port: number;
}

/**
 * rotor from the compiled build, as users run it: anonymous clients may
 * subscribe to any channel, the API needs no key, logs only warnings.
 */
export async function startRotor(
  port: number,
  cpus: string,
  extra: readonly string[] = [],
): Promise<BenchServer> {
  const proc = spawnNode(
    [
      cli,
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
export async function startBaseline(name: string, port: number, cpus: string): Promise<BenchServer> {
  const proc = spawnNode([`${baselines}${name}.ts`, "--port", String(port)], cpus, true);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health`, proc);
  return { name, proc, url, port };
}
