import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Histogram, Registry } from "prom-client";
import { commandBuckets } from "../../src/metrics/metric-kinds.js";
import { TallyHistogram } from "../../src/metrics/tally-histogram.js";

type Step =
  | { readonly kind: "observe"; readonly protocol: string; readonly method: string; readonly value: number }
  | { readonly kind: "reset" };

/** The same steps on a TallyHistogram (through cells kept by label set) and on prom-client's Histogram. */
async function both(steps: readonly Step[], buckets?: number[]) {
  const mine = new Registry();
  const theirs = new Registry();
  const config = { name: "x_seconds", help: "X.", labelNames: ["protocol", "method"] as const };
  const a = new TallyHistogram({ ...config, registers: [mine], ...(buckets ? { buckets } : {}) });
  const b = new Histogram({
    ...config,
    labelNames: ["protocol", "method"],
    registers: [theirs],
    ...(buckets ? { buckets } : {}),
  });
  const cells = new Map<string, ReturnType<typeof a.cell>>();
  for (const step of steps) {
    if (step.kind === "reset") {
      a.reset();
      b.reset();
      continue;
    }
    const labels = { protocol: step.protocol, method: step.method };
    const key = `${step.protocol}/${step.method}`;
    let cell = cells.get(key);
    if (!cell) {
      cell = a.cell(labels);
      cells.set(key, cell);
    }
    cell.observe(step.value);
    b.observe({ ...labels }, step.value);
  }
  return {
    text: [await mine.metrics(), await theirs.metrics()],
    json: [await mine.getMetricsAsJSON(), await theirs.getMetricsAsJSON()],
  };
}

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 30,
    arbitrary: fc.record({
      kind: fc.constant("observe" as const),
      protocol: fc.constantFrom("grpc", "grpc_web", "connect_json"),
      method: fc.constantFrom("publish", "broadcast", "presence_stats"),
      value: fc.oneof(
        fc.constantFrom(0, -1, ...commandBuckets, 10.5, 1e6),
        fc.double({ min: -1, max: 20, noNaN: true }),
      ),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "reset" as const }) },
);

test("a tallied histogram scrapes exactly as prom-client's histogram after the same observations and resets", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(stepArb, { maxLength: 200 }), fc.boolean(), async (steps, own) => {
      const { text, json } = await both(steps, own ? commandBuckets : undefined);
      assert.equal(text[0], text[1]);
      assert.deepEqual(json[0], json[1]);
    }),
    { numRuns: 300 },
  );
});

test("a tallied histogram with no buckets (native histograms) scrapes as prom-client's: +Inf, sum and count", async () => {
  const steps: Step[] = [0.002, 0.5, 3].map((value) => ({
    kind: "observe",
    protocol: "grpc",
    method: "publish",
    value,
  }));
  const { text } = await both(steps, []);
  assert.equal(text[0], text[1]);
  assert.match(text[0]!, /x_seconds_bucket\{le="\+Inf",protocol="grpc",method="publish"\} 3/);
});

test("a tallied histogram without labels is exported from the start, as prom-client's is", async () => {
  const mine = new Registry();
  const theirs = new Registry();
  const a = new TallyHistogram({ name: "y_seconds", help: "Y.", labelNames: [], registers: [mine] });
  new Histogram({ name: "y_seconds", help: "Y.", registers: [theirs] });
  assert.equal(await mine.metrics(), await theirs.metrics());
  a.observe(0.3);
  a.startTimer()();
  assert.match(await mine.metrics(), /y_seconds_count 2/);
});

test("a tallied histogram refuses what prom-client refuses: a value that is not a number", () => {
  const a = new TallyHistogram({ name: "z_seconds", help: "Z.", labelNames: ["op"], registers: [] });
  assert.throws(() => a.cell({ op: "x" }).observe(Number.NaN), TypeError);
  assert.throws(() => a.observe({ op: "x" }, Number.POSITIVE_INFINITY), TypeError);
});
