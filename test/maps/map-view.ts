import type { Centrifuge, MapSubscription, MapSubscriptionOptions } from "centrifuge";
import { decoded } from "../helpers/centrifuge-clients.js";
import type { TestServer } from "../helpers/server.js";

/** What a map subscriber sees: the entries its `sync` and `update` events build, and the events themselves. */
export interface MapView {
  readonly sub: MapSubscription;
  readonly entries: Map<string, unknown>;
  readonly updates: { key: string; data: unknown; removed: boolean; offset: number | undefined }[];
  syncs: number;
  /** Resolves once `check` holds over the view (checked after every event), or rejects after the timeout. */
  until(what: string, check: (view: MapView) => boolean, timeoutMs?: number): Promise<void>;
}

/** A map subscription of the real SDK with a view over its events. */
export function mapView(
  client: Centrifuge,
  channel: string,
  options: MapSubscriptionOptions = {},
  kind: "map" | "clients" | "users" = "map",
): MapView {
  const sub =
    kind === "map"
      ? client.newMapSubscription(channel, options)
      : kind === "clients"
        ? client.newMapClientsSubscription(channel, options)
        : client.newMapUsersSubscription(channel, options);
  const waiters = new Set<() => void>();
  const view: MapView = {
    sub,
    entries: new Map(),
    updates: [],
    syncs: 0,
    until(what, check, timeoutMs = 5000) {
      if (check(view)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const waiter = () => {
          if (!check(view)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new Error(`timed out waiting for ${what} (${view.entries.size} entries, ${view.syncs} syncs)`),
          );
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
  };
  const changed = () => {
    for (const waiter of [...waiters]) waiter();
  };
  sub.on("sync", (ctx) => {
    view.syncs += 1;
    view.entries.clear();
    for (const e of ctx.entries) view.entries.set(e.key, decoded(e.data));
    changed();
  });
  sub.on("update", (ctx) => {
    const data = ctx.removed ? undefined : decoded(ctx.data);
    view.updates.push({ key: ctx.key, data, removed: ctx.removed === true, offset: ctx.offset });
    if (ctx.removed) view.entries.delete(ctx.key);
    else view.entries.set(ctx.key, data);
    changed();
  });
  sub.on("subscribed", changed);
  return view;
}

const encoder = new TextEncoder();

/** Writes a key on the server's map broker directly, as the server does for any writer. */
export async function putKey(
  srv: TestServer,
  channel: string,
  key: string,
  value: unknown,
  delta = false,
): Promise<void> {
  await srv.server.node.maps.publish(channel, key, { data: encoder.encode(JSON.stringify(value)), delta });
}

/** Removes a key on the server's map broker directly. */
export async function removeKey(srv: TestServer, channel: string, key: string): Promise<void> {
  await srv.server.node.maps.remove(channel, key, {});
}
