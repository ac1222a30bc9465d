import type cluster from "node:cluster";

/** What the primary tells each worker it forks: which one it is, and what was made once for all. */
export interface WorkerRole {
  /** 1…count; a restarted worker keeps its number. */
  readonly number: number;
  readonly count: number;
  /** Whether this worker logs the start-up banner: worker 1, the first time it starts. */
  readonly announce: boolean;
  /** The API key the primary generated when none is configured, so that every worker takes the same one. */
  readonly apiKey?: string | undefined;
}

const ask = "rotor:worker-role?";
const answer = "rotor:worker-role";

/**
 * Asks the primary for this worker's role over the cluster's IPC channel.
 * The worker asks rather than waits, so the answer cannot arrive before a
 * listener exists.
 */
export function receiveRole(): Promise<WorkerRole> {
  return new Promise((resolve) => {
    const listen = (message: { type?: string; role?: WorkerRole }) => {
      if (message?.type !== answer || !message.role) return;
      process.off("message", listen);
      resolve(message.role);
    };
    process.on("message", listen);
    process.send?.({ type: ask });
  });
}

/** Answers a worker's role question with `role`, from the primary. */
export function answerRole(worker: ReturnType<typeof cluster.fork>, role: WorkerRole): void {
  worker.on("message", (message: { type?: string }) => {
    if (message?.type === ask) worker.send({ type: answer, role });
  });
}
