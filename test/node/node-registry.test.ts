import assert from "node:assert/strict";
import { test } from "node:test";
import { NodeRegistry } from "../../src/node/registry.js";

const node = (uid: string) => ({
  uid,
  name: uid,
  version: "",
  numClients: 0,
  numUsers: 0,
  numChannels: 0,
  numSubs: 0,
  uptime: 0,
});

test("a node that said it is leaving is not listed again by a heartbeat that arrives after the notice", () => {
  const registry = new NodeRegistry();
  assert.equal(registry.heard(node("a"), 0), true);
  assert.equal(registry.heard(node("b"), 0), true);
  registry.forget("a", 1000);
  // From another shard of the controller: sent before the notice, read after it.
  assert.equal(registry.heard(node("a"), 1050), false);
  assert.deepEqual(
    registry.alive(1100).map((n) => n.uid),
    ["b"],
  );
  assert.equal(registry.has("a", 1100), false);
});

test("a node that crashed drops out 7 s after its last heartbeat", () => {
  const registry = new NodeRegistry();
  registry.heard(node("a"), 0);
  assert.deepEqual(
    registry.alive(7000).map((n) => n.uid),
    ["a"],
  );
  assert.deepEqual(registry.alive(7001), []);
});
