import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { Controller } from "../../src/core/controller.js";
import { waitUntil } from "../helpers/redis-servers.js";

/** A started controller of one node, with what its handler received. */
interface Member {
  readonly id: string;
  readonly controller: Controller;
  readonly received: Buffer[];
  /** What it received, as text. */
  texts(): string[];
  /** Waits until the handler received every one of `messages`. */
  got(messages: string[]): Promise<void>;
}

async function member(open: () => Controller, id: string): Promise<Member> {
  const controller = open();
  const received: Buffer[] = [];
  await controller.start(id, (data) => received.push(Buffer.from(data)));
  const texts = () => received.map((data) => data.toString());
  return {
    id,
    controller,
    received,
    texts,
    got: (messages) =>
      waitUntil(
        `${id} receiving ${messages.length} messages`,
        async () => messages.every((m) => texts().includes(m)),
        5000,
      ),
  };
}

const count = (list: string[], prefix: string) => list.filter((x) => x.startsWith(prefix)).length;

/**
 * What every controller that links nodes must do, run for one engine:
 * `cluster` makes a fresh cluster (its own prefix or tables) and returns how
 * to open a controller in it. A controller may hand a node its own messages
 * for every node (the node drops them by uid), so the tests count only what
 * the other nodes get.
 */
export function controllerContract(name: string, cluster: () => Promise<() => Controller>): void {
  async function nodes(n: number): Promise<{ open: () => Controller; list: Member[] }> {
    const open = await cluster();
    const list: Member[] = [];
    for (let i = 0; i < n; i++) list.push(await member(open, `${name}-node-${i}`));
    return { open, list };
  }
  const closeAll = (list: Member[]) => Promise.all(list.map((m) => m.controller.close()));

  describe(`controller contract: ${name}`, () => {
    test("messages for every node reach every other node once each, from several senders at once", async () => {
      const { list } = await nodes(3);
      const [a, b, c] = list as [Member, Member, Member];
      try {
        const fromA = Array.from({ length: 30 }, (_, i) => `a${i}`);
        const fromC = Array.from({ length: 30 }, (_, i) => `c${i}`);
        await Promise.all([
          ...fromA.map((m) => a.controller.publish(Buffer.from(m))),
          ...fromC.map((m) => c.controller.publish(Buffer.from(m))),
        ]);
        await Promise.all([b.got([...fromA, ...fromC]), c.got(fromA), a.got(fromC)]);
        assert.deepEqual(
          [count(b.texts(), "a"), count(b.texts(), "c"), count(c.texts(), "a"), count(a.texts(), "c")],
          [30, 30, 30, 30],
        );
      } finally {
        await closeAll(list);
      }
    });

    test("a message for one node reaches that node only, every byte value unchanged", async () => {
      const { list } = await nodes(3);
      const [a, b, c] = list as [Member, Member, Member];
      try {
        const bytes = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));
        await a.controller.publishTo(b.id, bytes);
        await a.controller.publishTo(c.id, Buffer.from("for-c"));
        await c.got(["for-c"]);
        await waitUntil("b receiving its bytes", async () => b.received.some((d) => d.equals(bytes)), 5000);
        // Nothing for one node shows up elsewhere, even a little later.
        await sleep(200);
        assert.equal(c.received.filter((d) => d.equals(bytes)).length, 0);
        assert.equal(b.texts().includes("for-c") || a.texts().includes("for-c"), false);
        assert.equal(b.received.filter((d) => d.equals(bytes)).length, 1);
      } finally {
        await closeAll(list);
      }
    });

    test("a node that starts later gets what is sent after its start, nothing from before", async () => {
      const { open, list } = await nodes(1);
      const [a] = list as [Member];
      let late: Member | undefined;
      try {
        await a.controller.publish(Buffer.from("before"));
        late = await member(open, `${name}-late`);
        await a.controller.publish(Buffer.from("after"));
        await late.got(["after"]);
        await sleep(100);
        assert.deepEqual(late.texts(), ["after"]);
      } finally {
        await closeAll(late ? [a, late] : [a]);
      }
    });

    test("a closed controller hands nothing more to its handler", async () => {
      const { list } = await nodes(2);
      const [a, b] = list as [Member, Member];
      try {
        await b.controller.close();
        await a.controller.publish(Buffer.from("after-close"));
        await a.controller.publishTo(b.id, Buffer.from("after-close"));
        await sleep(200);
        assert.deepEqual(b.texts(), []);
      } finally {
        await a.controller.close();
      }
    });
  });
}
