import assert from "node:assert/strict";
import { test } from "node:test";
import { type Flushable, flushSlice, scheduleFlush } from "../../src/client/flush-scheduler.js";

/** A connection as the scheduler sees it: queued once until flushed, like a session. */
class Queued implements Flushable {
  flushes = 0;
  private pending = false;

  constructor(
    private readonly order: Queued[],
    readonly name: string,
  ) {}

  queue(): void {
    if (this.pending) return;
    this.pending = true;
    scheduleFlush(this);
  }

  flush(): void {
    this.pending = false;
    this.flushes += 1;
    this.order.push(this);
  }
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

async function turnsUntil(done: () => boolean): Promise<void> {
  for (let turn = 0; turn < 1000 && !done(); turn++) await nextTurn();
}

test("a pass over a few connections writes them all in the next turn", async () => {
  const order: Queued[] = [];
  const items = Array.from({ length: 3 }, (_, i) => new Queued(order, `c${i}`));
  for (const item of items) item.queue();
  await nextTurn();
  assert.deepEqual(
    order.map((item) => item.name),
    ["c0", "c1", "c2"],
  );
});

test("a long pass yields between slices; output queued meanwhile joins the connections not yet written", async () => {
  const order: Queued[] = [];
  const items = Array.from({ length: flushSlice * 3 }, (_, i) => new Queued(order, `c${i}`));
  for (const item of items) item.queue();
  await nextTurn();
  assert.equal(order.length, flushSlice, "one slice per turn");

  // A publication arriving now: every connection queues again.
  for (const item of items) item.queue();
  const late = new Queued(order, "late");
  late.queue();
  await turnsUntil(() => order.length === items.length + flushSlice + 1);

  // The connections not yet written took the new output in their one write; the written ones and
  // the newcomer come after the pass, in the order they queued.
  assert.deepEqual(
    order.map((item) => item.name),
    [...items.map((item) => item.name), ...items.slice(0, flushSlice).map((item) => item.name), "late"],
  );
  for (const [i, item] of items.entries()) assert.equal(item.flushes, i < flushSlice ? 2 : 1);
});
