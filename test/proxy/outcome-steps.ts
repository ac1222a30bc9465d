/** Backend behaviours and client-side checks shared by the proxy outcome cases. */
import assert from "node:assert/strict";
import type { Centrifuge, Subscription } from "centrifuge";
import { payloadFor } from "../helpers/centrifuge-clients.js";
import type { Behaviour, ProxyMethod } from "./backends/script.js";
import { connected, eventWhere, nextEvent } from "./events.js";
import type { CaseRun } from "./outcome-types.js";
import { sessionOf, unixNow, waitUntil } from "./proxy-fixture.js";

export const hang: Behaviour = { hang: true };
export const malformed: Behaviour = { malformed: true };
export const refuse = (code: number, message: string): Behaviour => ({
  answer: { error: { code, message } },
});
export const disconnect = (code: number, reason: string): Behaviour => ({
  answer: { disconnect: { code, reason } },
});
export const expiringIn = (seconds: number) => ({ answer: { result: { expire_at: unixNow() + seconds } } });
export const internal = { code: 100, message: "internal server error", temporary: true };

/** The first error a client reports for `type` (connect, subscribe…). */
export function firstError(emitter: Centrifuge | Subscription, type: string) {
  return eventWhere<{ type: string; error: { code: number; message: string; temporary?: boolean } }>(
    emitter,
    "error",
    (ctx) => ctx.type === type,
  ).then((ctx) => ({ ...ctx.error, temporary: ctx.error.temporary ?? false }));
}

export async function connectedClient(r: CaseRun): Promise<{ client: Centrifuge; id: string }> {
  const client = r.server === r.env.down ? await r.clients.withToken(r.server) : r.clients.open(r.server);
  const ctx = await connected(client);
  return { client, id: ctx.client };
}

export async function subscribeError(r: CaseRun, channel: string) {
  const { client } = await connectedClient(r);
  const sub = client.newSubscription(channel);
  const error = firstError(sub, "subscribe");
  sub.subscribe();
  assert.deepEqual(await error, internal);
}

export async function publishRejected(r: CaseRun, expected: object) {
  const { client } = await connectedClient(r);
  await assert.rejects(client.publish(`px:${r.caseName}`, payloadFor(r.protocol, { text: "hi" })), (err) => {
    assert.deepEqual(
      { ...(err as object), temporary: (err as { temporary?: boolean }).temporary ?? false },
      expected,
    );
    return true;
  });
}

export async function rpcRejected(r: CaseRun, expected: object) {
  const { client } = await connectedClient(r);
  await assert.rejects(client.rpc("work", payloadFor(r.protocol, { n: 1 })), (err) => {
    assert.deepEqual(
      { ...(err as object), temporary: (err as { temporary?: boolean }).temporary ?? false },
      expected,
    );
    return true;
  });
}

/** A connection expiring within two seconds, then the state its refresh leaves it in. */
export async function refreshed(r: CaseRun): Promise<{ client: Centrifuge; id: string }> {
  const client =
    r.server === r.env.down ? await r.clients.withToken(r.server, 2000) : r.clients.open(r.server);
  const ctx = await connected(client);
  return { client, id: ctx.client };
}

/** The refresh backend failed: the connection got a minute more and is still up. */
export async function refreshPostponed(r: CaseRun) {
  const { client, id } = await refreshed(r);
  const session = sessionOf(r.server, id);
  await waitUntil(() => session.identity.expireAt >= unixNow() + 50, "the expiry moves a minute on");
  assert.equal(client.state, "connected");
}

export async function refreshExpired(r: CaseRun) {
  const client = r.clients.open(r.server);
  const reconnecting = eventWhere<{ code: number; reason: string }>(
    client,
    "connecting",
    (c) => c.code !== 0,
  );
  await connected(client);
  assert.deepEqual(await reconnecting, { code: 3005, reason: "connection expired" });
}

/** A subscription expiring within two seconds, on `live:` for the down rotor (its subscribe proxy is up). */
export async function expiringSubscription(r: CaseRun) {
  const { client, id } = await connectedClient(r);
  const channel = `${r.server === r.env.down ? "live" : "px"}:${r.caseName}`;
  const sub = client.newSubscription(channel);
  const ready = nextEvent(sub, "subscribed");
  sub.subscribe();
  await ready;
  const subscription = sessionOf(r.server, id).subscriptions.get(channel);
  assert.ok(subscription);
  return { sub, subscription };
}

export async function subRefreshPostponed(r: CaseRun) {
  const { sub, subscription } = await expiringSubscription(r);
  await waitUntil(
    () => subscription.expireAt >= unixNow() + 50,
    "the subscription's expiry moves a minute on",
  );
  assert.equal(sub.state, "subscribed");
}

export async function subRefreshExpired(r: CaseRun) {
  const { sub } = await expiringSubscription(r);
  const resubscribing = await nextEvent<{ code: number; reason: string }>(sub, "subscribing");
  assert.deepEqual(
    { code: resubscribing.code, reason: resubscribing.reason },
    { code: 2501, reason: "subscription expired" },
  );
}

export const subscribeExpiring = (name: string): Partial<Record<ProxyMethod, Behaviour>> => ({
  Subscribe: () => expiringIn(2),
  Connect: { answer: { result: { user: name } } },
});

export const streamAnswer = (message: Record<string, unknown>): Behaviour => ({
  stream: (io) => io.send(message),
});
