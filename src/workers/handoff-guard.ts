import type { Worker } from "node:cluster";

/** A connection's handle as the primary holds it while passing it on. */
interface Handle {
  close(): void;
}

/** node:cluster's internal messages: the primary's `newconn` hand-offs, and the worker's acknowledgements. */
interface ClusterMessage {
  readonly cmd?: string;
  readonly act?: string;
  readonly seq?: number;
  readonly ack?: number;
}

type Send = (message: unknown, handle?: unknown, ...rest: unknown[]) => boolean;

/**
 * Closes the connections the primary was handing to `worker` when it dies
 * before acknowledging them. In node:cluster's round-robin the primary accepts
 * each connection, sends it to a worker and closes its own copy only once the
 * worker answers; one in transit when the worker dies is never answered, never
 * closed, and sits in CLOSE-WAIT in the primary for good. The hand-offs are
 * followed from the worker's IPC channel (`newconn` out, `ack` back).
 */
export function guardHandoffs(worker: Worker): void {
  const proc = worker.process as unknown as {
    send: Send;
    on(event: "internalMessage", listener: (message: ClusterMessage) => void): void;
  };
  const inTransit = new Map<number, Handle>();
  const send = proc.send.bind(proc) as Send;
  proc.send = (message, handle, ...rest) => {
    const m = message as ClusterMessage | undefined;
    if (m?.cmd === "NODE_CLUSTER" && m.act === "newconn" && m.seq !== undefined && handle) {
      inTransit.set(m.seq, handle as Handle);
    }
    return send(message, handle, ...rest);
  };
  proc.on("internalMessage", (message) => {
    if (message?.cmd === "NODE_CLUSTER" && message.ack !== undefined) inTransit.delete(message.ack);
  });
  worker.once("exit", () => {
    for (const handle of inTransit.values()) handle.close();
    inTransit.clear();
  });
}
