import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { connect, createServer } from "node:net";
import { fileURLToPath } from "node:url";
// @ts-expect-error: a plain .mjs build script without type declarations
import { staleReason } from "../../scripts/build-state.mjs";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/**
 * The command users run (the package's bin: the bundled server with its
 * shebang's node flags), so the processes tests start load the same chunks
 * as `npm start`. A build older than the sources would test old code, so
 * that stops the test with the command that builds it (`scripts/test.sh`
 * builds before running tests).
 */
const bin = "dist/bin/cli.js";

/** A port nothing listens on right now: the OS picks one, and it is released at once. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  await once(server, "close");
  if (typeof address !== "object" || !address) throw new Error("no port from the OS");
  return address.port;
}

/** The real `rotor` command running as a child process. */
export interface CliProcess {
  readonly child: ChildProcess;
  /** Everything it printed so far (stdout and stderr), for assertion messages. */
  output(): string;
  /** SIGTERM, then waits for it to exit. */
  stop(): Promise<void>;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Starts the built `rotor` bin with `args` in the repository, without waiting for anything. */
export function spawnCli(args: readonly string[]): CliProcess {
  const stale = (staleReason as (root: string) => string | undefined)(repoRoot);
  if (stale) throw new Error(`dist/ is older than the sources: run \`node scripts/build.mjs\` (${stale})`);
  const child = spawn(bin, args, {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk));
  const exited = once(child, "exit");
  const cli: CliProcess = {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
  return cli;
}

/** Whether a port accepts TCP connections on 127.0.0.1 right now. */
export { accepts as portAccepts };

/**
 * Starts the CLI (see spawnCli) and resolves once every given port accepts
 * connections; rejects with its output if it exits first or the ports stay
 * closed past the timeout.
 */
export async function startCli(args: readonly string[], ports: readonly number[]): Promise<CliProcess> {
  const cli = spawnCli(args);
  const { child } = cli;
  const deadline = Date.now() + 20_000;
  for (const port of ports) {
    while (!(await accepts(port))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await cli.stop();
        throw new Error(`rotor ${args.join(" ")} did not open port ${port}:\n${cli.output()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return cli;
}
