import assert from "node:assert/strict";
import { test } from "node:test";
import { OutgoingQueue } from "../../src/client/outgoing-queue.js";
import type { SessionTransport } from "../../src/client/transport.js";

/** The part of a transport the queue uses: it records each batch it is given and reports what it holds. */
class Recorder {
  readonly batches: (readonly Uint8Array[])[] = [];
  buffered = 0;

  write(messages: readonly Uint8Array[]): void {
    this.batches.push(messages);
  }

  bufferedBytes(): number {
    return this.buffered;
  }
}

function queueOn(recorder: Recorder): OutgoingQueue {
  return new OutgoingQueue(recorder as unknown as SessionTransport);
}

const bytes = (text: string) => new TextEncoder().encode(text);

test("one waiting message goes out as a batch of one, shared by every queue flushed with that message", () => {
  const a = new Recorder();
  const b = new Recorder();
  const [qa, qb] = [queueOn(a), queueOn(b)];
  const message = bytes("publication");
  assert.equal(qa.add(message, 0), true);
  assert.equal(qb.add(message, 0), true);
  qa.writeAll();
  qb.writeAll();
  assert.deepEqual(a.batches, [[message]]);
  assert.equal(b.batches[0], a.batches[0], "the same array for both, not one per connection");
  const next = bytes("next");
  qa.add(next, 0);
  qa.writeAll();
  assert.deepEqual(a.batches[1], [next]);
  assert.deepEqual(a.batches[0], [message], "an earlier batch is never changed");
});

test("several waiting messages go out as one batch in the order queued, and the queue is empty after", () => {
  const r = new Recorder();
  const q = queueOn(r);
  const messages = ["one", "two", "three"].map(bytes);
  for (const m of messages) q.add(m, 0);
  q.writeAll();
  q.writeAll();
  assert.deepEqual(r.batches, [messages]);
});

test("a message past the limit empties the queue and is refused; nothing is written", () => {
  const r = new Recorder();
  const q = queueOn(r);
  assert.equal(q.add(bytes("12345"), 8), true);
  assert.equal(q.add(bytes("6789"), 8), false);
  q.writeAll();
  assert.deepEqual(r.batches, []);
  assert.equal(q.add(bytes("12345"), 8), true);
  q.writeAll();
  r.buffered = 4;
  assert.equal(q.add(bytes("12345"), 8), false, "what the transport still holds counts toward the limit");
  r.buffered = 0;
  assert.equal(q.add(bytes("12345"), 8), true, "once it drained, the same message fits");
});
