import type { ChildProcess } from "node:child_process";

/** A request to a load process: its `type` names the action. */
export interface IpcRequest {
  readonly type: string;
  readonly [key: string]: unknown;
}

/**
 * Sends a request to a child and waits for the answer with the same id.
 * Fails when the child exits first or does not answer in time.
 */
export function ask<T>(child: ChildProcess, request: IpcRequest, timeoutMs = 120_000): Promise<T> {
  const id = Math.random().toString(36).slice(2);
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => done(new Error(`no answer to ${request.type} in ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onMessage = (message: { id?: string; error?: string }) => {
      if (message.id !== id) return;
      if (message.error) done(new Error(message.error));
      else done(undefined, message as T);
    };
    const onExit = (code: number | null) =>
      done(new Error(`load process exited (${code}) during ${request.type}`));
    function done(err: Error | undefined, value?: T) {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
      if (err) reject(err);
      else resolve(value as T);
    }
    child.on("message", onMessage);
    child.once("exit", onExit);
    child.send({ ...request, id });
  });
}

/** The child side: answers each request with what `handle` returns (or its error). */
export function serve(handle: (request: IpcRequest) => Promise<object>): void {
  process.on("message", (message: IpcRequest & { id: string }) => {
    handle(message).then(
      (answer) => process.send?.({ ...answer, id: message.id }),
      (err: unknown) => process.send?.({ id: message.id, error: String((err as Error)?.stack ?? err) }),
    );
  });
  process.on("disconnect", () => process.exit(0));
}
