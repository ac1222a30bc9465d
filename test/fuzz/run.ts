import { parseArgs } from "node:util";
import { floodClosed } from "../helpers/h2-flood-run.js";
import { runFuzz } from "./fuzz-run.js";

/**
 * `npm run fuzz -- --count N [--bodies M] [--seed S]`: a long fuzz run outside
 * the test suite — N client frames (default 100,000) and M API bodies (default
 * N / 10), of which M / 10 more are sent to both the direct unary path and the
 * Connect router to compare, seeded (default: the time, printed so the run can be repeated).
 * Prints the report as JSON and exits 1 if anything came back undocumented, the
 * direct path and the router answered a call differently,
 * the honest subscriber missed a publication, a pre-ACK burst was not closed
 * with GOAWAY, or a proxied client got anything but success or error 100.
 */
const { values } = parseArgs({
  options: { count: { type: "string" }, bodies: { type: "string" }, seed: { type: "string" } },
});
const frames = Number(values.count ?? 100_000);
const bodies = Number(values.bodies ?? Math.ceil(frames / 10));
const seed = Number(values.seed ?? Date.now() % 2 ** 31);
process.stderr.write(`fuzzing: ${frames} frames, ${bodies} bodies, seed ${seed}\n`);
const outcome = await runFuzz({ frames, bodies, pairs: Math.ceil(bodies / 10), seed });
process.stdout.write(`${JSON.stringify(outcome, null, 2)}\n`);
const { honest } = outcome;
const clean =
  outcome.aliveAfter &&
  outcome.frames.undocumented.length === 0 &&
  outcome.bodies.undocumented.length === 0 &&
  outcome.directVsRouter.differences.length === 0 &&
  honest.received === honest.published &&
  honest.gaps === 0 &&
  honest.duplicates === 0 &&
  honest.interruptions.length === 0 &&
  outcome.bursts.every(floodClosed) &&
  Object.values(outcome.proxied).every((codes) => Object.keys(codes).every((c) => c === "ok" || c === "100"));
process.stderr.write(
  `${clean ? "clean" : "FAILED"}: ${outcome.frames.frames} frames on ${outcome.frames.connections} connections, ` +
    `${outcome.bodies.bodies} bodies, ${honest.received}/${honest.published} honest publications, ${outcome.seconds} s\n`,
);
process.exit(clean ? 0 : 1);
