import type { Publication } from "../../src/core/publication.js";
import type { HubSubscriber } from "../../src/node/hub.js";
import type { Node } from "../../src/node/node.js";

/** A change of a map channel as the node's hub hands it to subscribers. */
export interface ObservedChange {
  readonly pub: Publication & { key?: string; removed?: boolean };
  readonly delta: boolean;
  readonly prev: Publication | undefined;
}

export interface MapObserver {
  readonly changes: ObservedChange[];
  /** Resolves with the first change (seen or coming) that passes `match`. */
  next(match: (c: ObservedChange) => boolean, timeoutMs?: number): Promise<ObservedChange>;
  close(): Promise<void>;
}

let observers = 0;

/**
 * Registers a subscriber with a real node's hub that records what reaches it,
 * so a test sees the exact publications (ClientInfo, delta, removals) a map
 * channel's subscribers are handed, whatever the client protocol on top.
 */
export async function observeMap(node: Node, channel: string): Promise<MapObserver> {
  const changes: ObservedChange[] = [];
  const waiters = new Set<() => void>();
  observers += 1;
  const client = {
    id: `observer-${observers}`,
    user: "",
    session: `observer-${observers}`,
    transport: { name: "observer" },
    subscribeByServer() {},
    unsubscribeByServer() {},
    disconnect() {},
    refreshByServer() {},
  };
  const subscriber: HubSubscriber = {
    client,
    channel,
    recheckPosition() {},
    deliverPublication(pub, _position, delta, prev) {
      changes.push({ pub, delta, prev });
      for (const wake of [...waiters]) wake();
    },
    deliverJoin() {},
    deliverLeave() {},
  };
  await node.addSubscribers([subscriber]);
  return {
    changes,
    next(match, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = changes.find(match);
          if (!found) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for a change of ${channel}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => node.removeSubscriber(channel, client.id),
  };
}
