/** A task asked for in bursts, run at most once per gap, that a left page can cancel. */
export interface Throttled {
  /** Runs the task now, or once more after the current run and its gap. */
  request(): void;
  /** Drops a pending run and any run already waiting out its gap. */
  cancel(): void;
}

/**
 * Runs `task` at once, or — when asked again while it runs or within `gapMs`
 * after — once more after that: a burst of joins or publications costs the
 * live view's panels one API read per `gapMs`, not one per event. After
 * `cancel` nothing already asked for runs, so a left page reads nothing more.
 */
export function throttled(task: () => Promise<void>, gapMs: number): Throttled {
  let busy = false;
  let again = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let generation = 0;
  const run = async () => {
    const own = generation;
    busy = true;
    again = false;
    await task();
    if (own !== generation) return;
    timer = setTimeout(() => {
      busy = false;
      if (again) void run();
    }, gapMs);
  };
  return {
    request() {
      if (busy) again = true;
      else void run();
    },
    cancel() {
      generation++;
      clearTimeout(timer);
      busy = false;
      again = false;
    },
  };
}
