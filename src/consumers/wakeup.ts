/**
 * A pause a worker takes when it has nothing to do, cut short by a wake-up
 * (a NOTIFY, a close). A wake-up while the worker is busy is kept, so the
 * next pause ends at once: no notification falls between a poll and a wait.
 */
export class Wakeup {
  private pending = false;
  private resolve: (() => void) | undefined;

  wake(): void {
    if (this.resolve) this.resolve();
    else this.pending = true;
  }

  /** Whether a wake-up came while the worker was busy, forgetting it: the pause it would cut short is skipped. */
  take(): boolean {
    const pending = this.pending;
    this.pending = false;
    return pending;
  }

  /** Resolves after `ms`, or sooner when woken. */
  wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.resolve = undefined;
        resolve();
      }
      this.resolve = done;
    });
  }
}
