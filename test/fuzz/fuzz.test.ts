import assert from "node:assert/strict";
import { test } from "node:test";
import { runFuzz } from "./fuzz-run.js";

test("20,000 fuzzed client frames and 20,000 fuzzed API bodies: every answer documented, nothing lost", async () => {
  const outcome = await runFuzz({ frames: 20_000, bodies: 20_000, seed: 20261203 });
  assert.ok(outcome.frames.frames >= 20_000, `${outcome.frames.frames} frames`);
  assert.equal(outcome.bodies.bodies, 20_000, JSON.stringify(outcome.bodies.undocumented.slice(0, 5)));
  assert.deepEqual(outcome.frames.undocumented.slice(0, 10), []);
  assert.deepEqual(outcome.bodies.undocumented.slice(0, 10), []);
  assert.equal(outcome.aliveAfter, true);
  const { honest } = outcome;
  assert.ok(honest.published > 10, `${honest.published} published`);
  assert.deepEqual(
    {
      received: honest.received,
      gaps: honest.gaps,
      duplicates: honest.duplicates,
      interruptions: honest.interruptions,
    },
    { received: honest.published, gaps: 0, duplicates: 0, interruptions: [] },
  );
});
