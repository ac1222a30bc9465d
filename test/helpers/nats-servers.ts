import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./cli-process.js";
import { waitUntil } from "./redis-servers.js";

/** Debian installs nats-server in /usr/sbin, which a user's PATH may lack. */
const binary = existsSync("/usr/sbin/nats-server") ? "/usr/sbin/nats-server" : "nats-server";

/** Every server this test process started, killed when it exits however it exits. */
const started = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of started) child.kill("SIGKILL");
});

/** A real nats-server on a free port, in a temp dir of its own. */
export interface NatsProcess {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** SIGKILL: the server vanishes as in a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Whether a NATS server greets on the port (its first line is INFO). */
function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("data", (chunk: Buffer) => done(chunk.toString().startsWith("INFO ")));
    socket.once("error", () => done(false));
  });
}

/**
 * Starts `nats-server` (extra `args`, e.g. TLS flags; with `jetstream`, JetStream
 * storing in the temp dir, kept across a restart) and resolves once it greets clients.
 */
export async function startNats(
  o: { args?: string[]; port?: number; jetstream?: boolean } = {},
): Promise<NatsProcess> {
  const port = o.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), "rotor-nats-"));
  let child: ChildProcess | undefined;
  const spawnServer = async () => {
    const args = ["-a", "127.0.0.1", "-p", String(port), "-l", join(dir, "nats.log"), ...(o.args ?? [])];
    if (o.jetstream) args.push("-js", "-sd", join(dir, "jetstream"));
    child = spawn(binary, args, { cwd: dir, stdio: "ignore" });
    // Not holding the test process open: it is killed when the process exits.
    child.unref();
    started.add(child);
    const current = child;
    child.once("exit", () => started.delete(current));
    await waitUntil(`nats-server on port ${port}`, () => greets(port));
  };
  const kill = async () => {
    const current = child;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = once(current, "exit");
    current.ref();
    current.kill("SIGKILL");
    await exited;
  };
  await spawnServer();
  return {
    port,
    url: `nats://127.0.0.1:${port}`,
    dir,
    kill,
    restart: spawnServer,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
