import assert from "node:assert/strict";
import { test } from "node:test";
import { Registry, Summary } from "prom-client";
import { WindowSummary } from "../../src/metrics/window-summary.js";

const percentiles = [0.5, 0.99, 0.999];

/** The same observations in a WindowSummary and in prom-client's own Summary, both scraped as text. */
async function bothScraped(observations: [string, number][]): Promise<[string[], string[]]> {
  const mine = new Registry();
  const theirs = new Registry();
  const config = {
    name: "x_seconds",
    help: "X.",
    labelNames: ["method"] as const,
    percentiles,
    maxAgeSeconds: 60,
  };
  const a = new WindowSummary({ ...config, registers: [mine] });
  const b = new Summary({ ...config, labelNames: ["method"], registers: [theirs], ageBuckets: 1 });
  for (const [method, value] of observations) {
    a.observe({ method }, value);
    b.observe({ method }, value);
  }
  return [(await mine.metrics()).split("\n"), (await theirs.metrics()).split("\n")];
}

const split = (line: string) => {
  const at = line.lastIndexOf(" ");
  return { series: line.slice(0, at), value: Number(line.slice(at + 1)) };
};

test("a window summary scrapes as prom-client's summary: same series, same sum and count, quantiles within 2%", async () => {
  const observations: [string, number][] = [];
  for (let i = 1; i <= 5000; i++)
    observations.push([i % 3 === 0 ? "subscribe" : "connect", (i % 997) * 1e-5 + 2e-5]);
  observations.push(["publish", 0]);
  const [mine, theirs] = await bothScraped(observations);
  assert.deepEqual(
    mine.map((l) => split(l).series),
    theirs.map((l) => split(l).series),
  );
  for (let i = 0; i < mine.length; i++) {
    if (mine[i] === "" || mine[i]!.startsWith("#")) continue;
    const m = split(mine[i]!);
    const t = split(theirs[i]!);
    if (m.series.includes("quantile")) {
      assert.ok(Math.abs(m.value - t.value) <= 0.02 * t.value + 1e-7, `${mine[i]} vs ${theirs[i]}`);
    } else assert.ok(Math.abs(m.value - t.value) <= 1e-9 * t.value, `${mine[i]} vs ${theirs[i]}`);
  }
});

test("a window summary's quantiles start again after maxAgeSeconds; its sum and count go on", async (t) => {
  t.mock.timers.enable({ apis: ["Date"], now: 1_000_000 });
  const registry = new Registry();
  const s = new WindowSummary({
    name: "y_seconds",
    help: "Y.",
    labelNames: ["op"],
    registers: [registry],
    percentiles,
    maxAgeSeconds: 60,
  });
  for (let i = 0; i < 100; i++) s.observe({ op: "a" }, 1);
  t.mock.timers.tick(61_000);
  s.observe({ op: "a" }, 0.001);
  const text = await registry.metrics();
  const p99 = Number(/^y_seconds\{quantile="0.99",op="a"\} (\S+)$/m.exec(text)?.[1]);
  assert.ok(Math.abs(p99 - 0.001) <= 0.00001, text);
  assert.match(text, /^y_seconds_count\{op="a"\} 101$/m);
  t.mock.timers.tick(61_000);
  assert.match(await registry.metrics(), /^y_seconds\{quantile="0.5",op="a"\} 0$/m);
});
