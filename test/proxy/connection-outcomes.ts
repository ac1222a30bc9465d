import assert from "node:assert/strict";
import { connected, nextEvent } from "./events.js";
import {
  disconnect,
  firstError,
  hang,
  internal,
  malformed,
  refreshExpired,
  refreshed,
  refreshPostponed,
  refuse,
} from "./outcome-steps.js";
import type { OutcomeCase } from "./outcome-types.js";
import { sessionOf, unixNow, waitUntil } from "./proxy-fixture.js";

/** Connect and refresh proxies × every outcome (see outcome-cases.ts). */
export const connectionOutcomes: readonly OutcomeCase[] = [
  {
    kind: "connect",
    outcome: "allow",
    async run(r) {
      const client = r.clients.open(r.server);
      const ctx = await connected(client);
      assert.equal(sessionOf(r.server, ctx.client).user, r.caseName);
    },
  },
  ...(["error", "disconnect"] as const).map(
    (outcome): OutcomeCase => ({
      kind: "connect",
      outcome,
      behaviours: () => ({
        Connect: outcome === "error" ? refuse(1001, "banned") : disconnect(4501, "unauthorized"),
      }),
      async run(r) {
        const client = r.clients.open(r.server);
        const closed = nextEvent<{ code: number; reason: string }>(client, "disconnected");
        client.connect();
        const expected =
          outcome === "error" ? { code: 1001, reason: "banned" } : { code: 4501, reason: "unauthorized" };
        assert.deepEqual(await closed, expected);
      },
    }),
  ),
  ...(["timeout", "down", "malformed"] as const).map(
    (outcome): OutcomeCase => ({
      kind: "connect",
      outcome,
      behaviours: () => ({ Connect: outcome === "timeout" ? hang : malformed }),
      async run(r) {
        const client = r.clients.open(r.server);
        const error = firstError(client, "connect");
        client.connect();
        assert.deepEqual(await error, internal);
      },
    }),
  ),

  {
    kind: "refresh",
    outcome: "allow",
    behaviours: (name) => ({
      Connect: () => ({ answer: { result: { user: name, expire_at: unixNow() + 2 } } }),
    }),
    async run(r) {
      const { client, id } = await refreshed(r);
      const session = sessionOf(r.server, id);
      await waitUntil(
        () => session.identity.expireAt > unixNow() + 1000,
        "the refresh proxy extends the connection",
      );
      assert.equal(client.state, "connected");
      const call = await r.env.script.waitForCall((c) => c.caseName === r.caseName && c.method === "Refresh");
      assert.equal(call.request.user, r.caseName);
    },
  },
  ...(["error", "disconnect"] as const).map(
    (outcome): OutcomeCase => ({
      kind: "refresh",
      outcome,
      behaviours: (name) => ({
        Connect: () => ({ answer: { result: { user: name, expire_at: unixNow() + 2 } } }),
        Refresh: outcome === "error" ? refuse(1001, "ignored") : disconnect(4501, "ignored"),
      }),
      run: refreshExpired,
    }),
  ),
  ...(["timeout", "down", "malformed"] as const).map(
    (outcome): OutcomeCase => ({
      kind: "refresh",
      outcome,
      behaviours: (name) => ({
        Connect: () => ({ answer: { result: { user: name, expire_at: unixNow() + 2 } } }),
        Refresh: outcome === "timeout" ? hang : malformed,
      }),
      run: refreshPostponed,
    }),
  ),
];
