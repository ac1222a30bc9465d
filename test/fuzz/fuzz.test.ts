import assert from "node:assert/strict";
import { test } from "node:test";
import { floodClosed } from "../helpers/h2-flood-run.js";
import { envelopeEdgeCalls } from "./direct-vs-router.js";
import { runFuzz } from "./fuzz-run.js";

test("20,000 fuzzed client frames and 20,000 fuzzed API bodies beside pre-ACK bursts and oversized proxy answers: every answer documented, nothing lost; 2,000 unary Connect calls and 500 HTTP JSON publishes more answered by the direct paths exactly as by the router and the Fastify routes", async () => {
  const outcome = await runFuzz({ frames: 20_000, bodies: 20_000, pairs: 2_000, seed: 20261203 });
  assert.ok(outcome.frames.frames >= 20_000, `${outcome.frames.frames} frames`);
  assert.equal(outcome.bodies.bodies, 20_000, JSON.stringify(outcome.bodies.undocumented.slice(0, 5)));
  assert.deepEqual(outcome.frames.undocumented.slice(0, 10), []);
  assert.deepEqual(outcome.bodies.undocumented.slice(0, 10), []);
  // Status, gRPC trailers, body and API metrics of each call: the same from the direct path as from the router.
  const { directVsRouter } = outcome;
  assert.equal(directVsRouter.pairs, 2_500 + envelopeEdgeCalls.length);
  assert.deepEqual(directVsRouter.differences.slice(0, 5), []);
  for (const surface of ["grpc", "grpc-web", "connect-json", "connect-proto", "http-json"])
    assert.ok((directVsRouter.perSurface[surface] ?? 0) > 100, JSON.stringify(directVsRouter.perSurface));
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
  // Every bursting connection was closed by the server, nearly all after a GOAWAY.
  for (const burst of outcome.bursts) assert.ok(floodClosed(burst), JSON.stringify(burst));
  // Oversized connect and subscribe answers were refused as logged transport errors (100), not crashes.
  const { proxy } = outcome;
  for (const method of ["Connect", "Subscribe"] as const) {
    assert.ok(proxy.oversized[method] > 0, `no oversized ${method} answer: ${JSON.stringify(proxy)}`);
    assert.ok(proxy.refusedLogged[method] > 0, `no ${method} refusal logged: ${JSON.stringify(proxy)}`);
    assert.ok(proxy.refusedLogged[method] <= proxy.oversized[method], JSON.stringify(proxy));
  }
  // The clients waiting for those answers got error 100 for both, and nothing but 100 or success.
  for (const kind of ["connect", "subscribe"] as const) {
    const codes = outcome.proxied[kind];
    assert.ok((codes["100"] ?? 0) > 0 && (codes.ok ?? 0) > 0, `${kind}: ${JSON.stringify(codes)}`);
    assert.deepEqual(Object.keys(codes).sort(), ["100", "ok"], `${kind}: ${JSON.stringify(codes)}`);
  }
});
