import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig } from "../../src/config/load.js";
import type { Config } from "../../src/config/schema.js";
import { createRestartBackoff } from "../../src/workers/restart-backoff.js";
import { planWorkers } from "../../src/workers/worker-plan.js";

function config(object: Record<string, unknown>, env: Record<string, string> = {}): Config {
  const loaded = loadConfig({ object, env });
  if (loaded.error !== undefined) throw new Error(loaded.error);
  return loaded.config;
}

const redis = { engine: { type: "redis" } };
const nats = { broker: { enabled: true, type: "nats" } };

const cases: {
  name: string;
  object: Record<string, unknown>;
  env?: Record<string, string>;
  plan: unknown;
}[] = [
  { name: "no setting runs one process", object: {}, plan: { count: 1, warnings: [] } },
  {
    name: "one worker on the memory engine is the plain server",
    object: { server: { workers: 1 } },
    plan: { count: 1, warnings: [] },
  },
  {
    name: "workers on the Redis engine",
    object: { ...redis, server: { workers: 3 } },
    plan: { count: 3, warnings: [] },
  },
  {
    name: "a count from the environment, as text",
    object: redis,
    env: { ROTOR_SERVER_WORKERS: "2" },
    plan: { count: 2, warnings: [] },
  },
  {
    name: '"auto" is one per CPU',
    object: redis,
    env: { CENTRIFUGO_SERVER_WORKERS: "auto" },
    plan: { count: 4, warnings: [] },
  },
];

for (const c of cases) {
  test(`server.workers: ${c.name}`, () => {
    assert.deepEqual(planWorkers(config(c.object, c.env), 4), c.plan);
  });
}

test("several workers on the memory engine are refused, saying why", () => {
  const plan = planWorkers(config({ server: { workers: "auto" } }), 2);
  assert.ok("error" in plan);
  assert.match(plan.error, /2 workers.*"memory".*clients on one would not see publications made on another/);
});

test("workers on the NATS broker run, with a warning that presence stays per worker", () => {
  const plan = planWorkers(config({ ...nats, server: { workers: 2 } }), 2);
  assert.ok("count" in plan);
  assert.equal(plan.count, 2);
  assert.match(plan.warnings[0] ?? "", /presence is kept in memory/);
});

test("server.workers must be a positive count or auto", () => {
  for (const workers of [0, "zero", "1.5"]) {
    const loaded = loadConfig({ object: { server: { workers } } });
    assert.match(loaded.error ?? "", /server\.workers/);
  }
});

test("a worker that keeps dying waits longer each time, and starts over once it stayed up", () => {
  const backoff = createRestartBackoff(100, 1000, 10_000);
  const delays = [0, 0, 0, 0, 0].map(() => backoff.next(1, 50));
  assert.deepEqual(delays, [100, 200, 400, 800, 1000]);
  assert.equal(backoff.next(2, 50), 100);
  assert.equal(backoff.next(1, 10_000), 100);
});
