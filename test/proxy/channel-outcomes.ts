import assert from "node:assert/strict";
import { collectPublications, decoded, payloadFor } from "../helpers/centrifuge-clients.js";
import { nextEvent } from "./events.js";
import {
  connectedClient,
  disconnect,
  expiringIn,
  expiringSubscription,
  hang,
  internal,
  malformed,
  publishRejected,
  refuse,
  rpcRejected,
  streamAnswer,
  subRefreshExpired,
  subRefreshPostponed,
  subscribeError,
  subscribeExpiring,
} from "./outcome-steps.js";
import type { OutcomeCase } from "./outcome-types.js";
import { unixNow, waitUntil } from "./proxy-fixture.js";

/** Subscribe, publish, rpc, sub_refresh and subscribe stream proxies × every outcome (see outcome-cases.ts). */
export const channelOutcomes: readonly OutcomeCase[] = [
  {
    kind: "subscribe",
    outcome: "allow",
    behaviours: () => ({ Subscribe: { answer: { result: { data: { welcome: true } } } } }),
    async run(r) {
      const { client } = await connectedClient(r);
      const sub = client.newSubscription(`px:${r.caseName}`);
      const ready = nextEvent<{ data: unknown }>(sub, "subscribed");
      sub.subscribe();
      assert.deepEqual(decoded((await ready).data), { welcome: true });
    },
  },
  {
    kind: "subscribe",
    outcome: "error",
    behaviours: () => ({ Subscribe: refuse(1002, "nope") }),
    async run(r) {
      const { client } = await connectedClient(r);
      const sub = client.newSubscription(`px:${r.caseName}`);
      const gone = nextEvent<{ code: number; reason: string }>(sub, "unsubscribed");
      sub.subscribe();
      const ctx = await gone;
      assert.deepEqual({ code: ctx.code, reason: ctx.reason }, { code: 1002, reason: "nope" });
    },
  },
  {
    kind: "subscribe",
    outcome: "disconnect",
    behaviours: () => ({ Subscribe: disconnect(4502, "bye") }),
    async run(r) {
      const { client } = await connectedClient(r);
      const closed = nextEvent<{ code: number; reason: string }>(client, "disconnected");
      client.newSubscription(`px:${r.caseName}`).subscribe();
      assert.deepEqual(await closed, { code: 4502, reason: "bye" });
    },
  },
  ...(["timeout", "down", "malformed"] as const).map(
    (outcome): OutcomeCase => ({
      kind: "subscribe",
      outcome,
      behaviours: () => ({ Subscribe: outcome === "timeout" ? hang : malformed }),
      run: (r) => subscribeError(r, `px:${r.caseName}`),
    }),
  ),

  {
    kind: "publish",
    outcome: "allow",
    behaviours: () => ({ Publish: { answer: { result: { data: { text: "hi", checked: true } } } } }),
    async run(r) {
      const { client } = await connectedClient(r);
      const sub = client.newSubscription(`px:${r.caseName}`);
      const received = collectPublications(sub);
      const ready = nextEvent(sub, "subscribed");
      sub.subscribe();
      await ready;
      await sub.publish(payloadFor(r.protocol, { text: "hi" }));
      const [pub] = await received.take(1, 15_000);
      assert.deepEqual(pub?.data, { text: "hi", checked: true });
    },
  },
  {
    kind: "publish",
    outcome: "error",
    behaviours: () => ({ Publish: refuse(1003, "flood") }),
    run: (r) => publishRejected(r, { code: 1003, message: "flood", temporary: false }),
  },
  {
    kind: "publish",
    outcome: "disconnect",
    behaviours: () => ({ Publish: disconnect(4503, "stop") }),
    async run(r) {
      const { client } = await connectedClient(r);
      const closed = nextEvent<{ code: number; reason: string }>(client, "disconnected");
      client.publish(`px:${r.caseName}`, payloadFor(r.protocol, { text: "hi" })).catch(() => {});
      assert.deepEqual(await closed, { code: 4503, reason: "stop" });
    },
  },
  ...(["timeout", "down", "malformed"] as const).map(
    (outcome): OutcomeCase => ({
      kind: "publish",
      outcome,
      behaviours: () => ({ Publish: outcome === "timeout" ? hang : malformed }),
      run: (r) => publishRejected(r, internal),
    }),
  ),

  {
    kind: "rpc",
    outcome: "allow",
    behaviours: () => ({ RPC: { answer: { result: { data: { answer: 42 } } } } }),
    async run(r) {
      const { client } = await connectedClient(r);
      const result = await client.rpc("work", payloadFor(r.protocol, { n: 1 }));
      assert.deepEqual(decoded(result.data), { answer: 42 });
      const call = await r.env.script.waitForCall((c) => c.caseName === r.caseName && c.method === "RPC");
      assert.deepEqual(call.request.data, { n: 1 });
      assert.equal(call.request.method, "work");
    },
  },
  {
    kind: "rpc",
    outcome: "error",
    behaviours: () => ({ RPC: refuse(1004, "no such object") }),
    run: (r) => rpcRejected(r, { code: 1004, message: "no such object", temporary: false }),
  },
  {
    kind: "rpc",
    outcome: "disconnect",
    behaviours: () => ({ RPC: disconnect(4504, "go") }),
    async run(r) {
      const { client } = await connectedClient(r);
      const closed = nextEvent<{ code: number; reason: string }>(client, "disconnected");
      client.rpc("work", payloadFor(r.protocol, { n: 1 })).catch(() => {});
      assert.deepEqual(await closed, { code: 4504, reason: "go" });
    },
  },
  ...(["timeout", "down", "malformed"] as const).map(
    (outcome): OutcomeCase => ({
      kind: "rpc",
      outcome,
      behaviours: () => ({ RPC: outcome === "timeout" ? hang : malformed }),
      run: (r) => rpcRejected(r, internal),
    }),
  ),

  {
    kind: "sub_refresh",
    outcome: "allow",
    behaviours: (name) => ({ ...subscribeExpiring(name), SubRefresh: () => expiringIn(3600) }),
    async run(r) {
      const { sub, subscription } = await expiringSubscription(r);
      await waitUntil(() => subscription.expireAt > unixNow() + 1000, "the sub_refresh proxy extends it");
      assert.equal(sub.state, "subscribed");
    },
  },
  ...(["error", "disconnect"] as const).map(
    (outcome): OutcomeCase => ({
      kind: "sub_refresh",
      outcome,
      behaviours: (name) => ({
        ...subscribeExpiring(name),
        SubRefresh: outcome === "error" ? refuse(1001, "ignored") : disconnect(4501, "ignored"),
      }),
      run: subRefreshExpired,
    }),
  ),
  ...(["timeout", "down", "malformed"] as const).map(
    (outcome): OutcomeCase => ({
      kind: "sub_refresh",
      outcome,
      behaviours: (name) => ({
        ...subscribeExpiring(name),
        SubRefresh: outcome === "timeout" ? hang : malformed,
      }),
      run: subRefreshPostponed,
    }),
  ),

  {
    kind: "subscribe_stream",
    outcome: "allow",
    streams: true,
    behaviours: () => ({
      SubscribeUnidirectional: {
        stream(io) {
          io.send({ subscribe_response: { result: { data: { streaming: true } } } });
          for (let n = 1; n <= 3; n++) io.send({ publication: { data: { n } } });
        },
      },
    }),
    async run(r) {
      const { client } = await connectedClient(r);
      const sub = client.newSubscription(`stream:${r.caseName}`);
      const received = collectPublications(sub);
      const ready = nextEvent<{ data: unknown }>(sub, "subscribed");
      sub.subscribe();
      assert.deepEqual(decoded((await ready).data), { streaming: true });
      const pubs = await received.take(3, 15_000);
      assert.deepEqual(
        pubs.map((p) => p.data),
        [{ n: 1 }, { n: 2 }, { n: 3 }],
      );
    },
  },
  {
    kind: "subscribe_stream",
    outcome: "error",
    streams: true,
    behaviours: () => ({
      SubscribeUnidirectional: streamAnswer({
        subscribe_response: { error: { code: 1005, message: "no stream", temporary: true } },
      }),
    }),
    async run(r) {
      const { client } = await connectedClient(r);
      const sub = client.newSubscription(`stream:${r.caseName}`);
      const gone = nextEvent<{ code: number; reason: string }>(sub, "unsubscribed");
      sub.subscribe();
      const ctx = await gone;
      // The stream proxy drops `temporary`: the refusal is final.
      assert.deepEqual({ code: ctx.code, reason: ctx.reason }, { code: 1005, reason: "no stream" });
    },
  },
  {
    kind: "subscribe_stream",
    outcome: "disconnect",
    streams: true,
    behaviours: () => ({
      SubscribeUnidirectional: streamAnswer({
        subscribe_response: { disconnect: { code: 4505, reason: "no" } },
      }),
    }),
    async run(r) {
      const { client } = await connectedClient(r);
      const closed = nextEvent<{ code: number; reason: string }>(client, "disconnected");
      client.newSubscription(`stream:${r.caseName}`).subscribe();
      assert.deepEqual(await closed, { code: 4505, reason: "no" });
    },
  },
  ...(["timeout", "down", "malformed"] as const).map(
    (outcome): OutcomeCase => ({
      kind: "subscribe_stream",
      outcome,
      streams: true,
      behaviours: () => ({
        SubscribeUnidirectional:
          outcome === "timeout"
            ? { stream: () => {} }
            : streamAnswer({ publication: { data: { early: true } } }),
      }),
      run: (r) => subscribeError(r, `stream:${r.caseName}`),
    }),
  ),
];
