import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Controller } from "../../src/core/controller.js";
import { waitUntil } from "../helpers/redis-servers.js";

/** What a controller reaches beyond its own node. */
export interface ControllerCapabilities {
  /** Several nodes share it: messages to every node and to another node's id arrive there. */
  readonly cluster: boolean;
}

const bytes = (s: string) => new TextEncoder().encode(s);

/** A started controller for node `id` that records the messages it receives, as text. */
async function node(make: () => Controller, id: string) {
  const received: string[] = [];
  const controller = make();
  await controller.start(id, (data) => received.push(Buffer.from(data).toString()));
  return {
    controller,
    received,
    async arrived(text: string) {
      await waitUntil(`"${text}" at ${id}`, async () => received.includes(text), 5000);
    },
  };
}

/**
 * What every controller must do, run for one engine: `cluster` opens a fresh
 * cluster and returns how to make a controller in it. Messages sent one after
 * another by one node arrive in order, so a marker that arrives after a
 * message proves the message had its chance to arrive too.
 */
export function controllerContract(
  name: string,
  cluster: () => Promise<() => Controller>,
  capabilities: ControllerCapabilities,
): void {
  describe(`controller contract: ${name}`, () => {
    test("a message to this node's id reaches it; one to another id does not", async () => {
      const a = await node(await cluster(), "node-a");
      try {
        await a.controller.publishTo("node-elsewhere", bytes("not for a"));
        await a.controller.publishTo("node-a", bytes("for a"));
        await a.arrived("for a");
        assert.deepEqual(a.received, ["for a"]);
      } finally {
        await a.controller.close();
      }
    });

    test("a message to every node reaches the others; one to a node id reaches that node alone", {
      skip: !capabilities.cluster && "a single node",
    }, async () => {
      const make = await cluster();
      const a = await node(make, "node-a");
      const b = await node(make, "node-b");
      try {
        await a.controller.publish(bytes("to all"));
        await b.arrived("to all");
        await b.controller.publishTo("node-a", bytes("for a"));
        await b.controller.publishTo("node-b", bytes("for b"));
        await b.controller.publishTo("node-a", bytes("for a, last"));
        await a.arrived("for a, last");
        await b.arrived("for b");
        // A node may hear its own message to every node (it drops it by uid).
        const others = (received: string[]) => received.filter((m) => m !== "to all");
        assert.deepEqual(others(a.received), ["for a", "for a, last"]);
        assert.deepEqual(others(b.received), ["for b"]);
      } finally {
        await a.controller.close();
        await b.controller.close();
      }
    });
  });
}
