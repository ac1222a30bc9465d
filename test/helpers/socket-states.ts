import { readdirSync, readFileSync } from "node:fs";

/** TCP states as /proc/net/tcp numbers them. */
export const tcpState = { established: 0x01, closeWait: 0x08 } as const;

/**
 * How many TCP sockets on this machine have local port `port` and the given
 * state, from /proc/net/tcp and tcp6 (what `ss -tn state close-wait` reads):
 * a server socket in CLOSE-WAIT is one whose peer closed and that the server
 * never closed in turn.
 */
export function socketsInState(port: number, state: number): number {
  let count = 0;
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 4) continue;
      const localPort = Number.parseInt(fields[1]!.split(":")[1]!, 16);
      if (localPort === port && Number.parseInt(fields[3]!, 16) === state) count++;
    }
  }
  return count;
}

/** File descriptors this process holds open now. */
export function openFds(): number {
  return readdirSync("/proc/self/fd").length;
}

/** Polls `check` every 100 ms until it holds; rejects with `what` after `timeoutMs`. */
export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
