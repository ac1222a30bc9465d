/** The first wait before a failed read or watch of the admin UI is tried again. */
export const firstRetryMs = 500;

/** The longest wait between tries: each failure doubles the wait up to this. */
export const maxRetryMs = 8000;

/**
 * Resolves after `ms`, or at once when `signal` aborts: a page waiting to
 * try again stops waiting as soon as it is left or watches something else.
 */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
