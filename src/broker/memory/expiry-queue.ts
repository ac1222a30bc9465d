interface Entry {
  at: number;
  key: string;
}

/**
 * Keys ordered by when they are due. Each key is queued at most once; when it
 * comes due the owner re-checks the real deadline and may queue it again, so
 * frequent updates of a deadline cost nothing here.
 */
export class ExpiryQueue {
  private heap: Entry[] = [];
  private queued = new Set<string>();

  schedule(key: string, at: number): void {
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.heap.push({ at, key });
    this.up(this.heap.length - 1);
  }

  /** When the first queued key is due; undefined when none is queued. */
  earliest(): number | undefined {
    return this.heap[0]?.at;
  }

  /** Removes and returns every key due at `now`. */
  takeDue(now: number): string[] {
    const due: string[] = [];
    while (this.heap.length > 0 && this.heap[0]!.at <= now) {
      const top = this.heap[0]!;
      const last = this.heap.pop()!;
      if (this.heap.length > 0) {
        this.heap[0] = last;
        this.down(0);
      }
      this.queued.delete(top.key);
      due.push(top.key);
    }
    return due;
  }

  private up(i: number): void {
    const { heap } = this;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.at <= heap[i]!.at) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  }

  private down(i: number): void {
    const { heap } = this;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let min = i;
      if (l < heap.length && heap[l]!.at < heap[min]!.at) min = l;
      if (r < heap.length && heap[r]!.at < heap[min]!.at) min = r;
      if (min === i) return;
      [heap[min], heap[i]] = [heap[i]!, heap[min]!];
      i = min;
    }
  }
}
