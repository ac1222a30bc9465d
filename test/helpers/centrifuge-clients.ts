import { Centrifuge, type Options, type Subscription, type SubscriptionOptions } from "centrifuge";
import { Centrifuge as CentrifugeProtobuf } from "centrifuge/build/protobuf";
import WebSocket from "ws";

export type ClientProtocol = "json" | "protobuf";
export const clientProtocols: readonly ClientProtocol[] = ["json", "protobuf"];

/**
 * A real centrifuge-js client (the npm `centrifuge` SDK) for rotor's WebSocket
 * endpoint, JSON or protobuf, with `ws` as the WebSocket implementation.
 */
export function centrifugeClient(
  baseUrl: string,
  protocol: ClientProtocol,
  options: Partial<Options> = {},
): Centrifuge {
  const endpoint = `${baseUrl.replace(/^http/, "ws")}/connection/websocket`;
  const Ctor = protocol === "json" ? Centrifuge : (CentrifugeProtobuf as unknown as typeof Centrifuge);
  return new Ctor(endpoint, {
    websocket: WebSocket,
    minReconnectDelay: 50,
    maxReconnectDelay: 200,
    ...options,
  });
}

/** Resolves with the first event of that name (with a timeout), so tests wait for events instead of sleeping. */
export function nextEvent<T = unknown>(
  emitter: { once(event: string, listener: (arg: T) => void): unknown },
  event: string,
  timeoutMs = 5000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for "${event}"`)), timeoutMs);
    emitter.once(event, (arg: T) => {
      clearTimeout(timer);
      resolve(arg);
    });
  });
}

/** Resolves with the first event of that name whose argument passes `match`. */
export function eventWhere<T = unknown>(
  emitter: {
    on(event: string, listener: (arg: T) => void): unknown;
    removeListener(event: string, listener: (arg: T) => void): unknown;
  },
  event: string,
  match: (arg: T) => boolean,
  timeoutMs = 5000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const listener = (arg: T) => {
      if (!match(arg)) return;
      clearTimeout(timer);
      emitter.removeListener(event, listener);
      resolve(arg);
    };
    const timer = setTimeout(() => {
      emitter.removeListener(event, listener);
      reject(new Error(`timed out waiting for a matching "${event}"`));
    }, timeoutMs);
    emitter.on(event, listener);
  });
}

/** Payloads as JSON values whatever the protocol: protobuf clients receive bytes. */
export function decoded(data: unknown): unknown {
  return data instanceof Uint8Array ? JSON.parse(new TextDecoder().decode(data)) : data;
}

/** Collects a subscription's publications; `take(n)` waits until n have arrived. */
export function collectPublications(sub: Subscription) {
  const received: { data: unknown; offset?: number; channel?: string }[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  sub.on("publication", (ctx) => {
    received.push({ data: decoded(ctx.data), offset: ctx.offset, channel: ctx.channel });
    for (const w of waiters.filter((w) => received.length >= w.n)) w.resolve();
  });
  return {
    received,
    take(n: number, timeoutMs = 5000): Promise<typeof received> {
      if (received.length >= n) return Promise.resolve(received.slice(0, n));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`timed out: ${received.length} of ${n} publications`)),
          timeoutMs,
        );
        waiters.push({
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve(received.slice(0, n));
          },
        });
      });
    },
  };
}

/** Connects and subscribes, resolving once the subscription is active. */
export async function subscribed(
  client: Centrifuge,
  channel: string,
  options: Partial<SubscriptionOptions> = {},
) {
  const sub = client.newSubscription(channel, options);
  const ready = nextEvent(sub, "subscribed");
  sub.subscribe();
  if (client.state !== "connected") client.connect();
  return { sub, context: await ready };
}

/** A payload a client of that protocol can publish: JSON clients send values, protobuf clients bytes. */
export function payloadFor(protocol: ClientProtocol, value: unknown): unknown {
  return protocol === "json" ? value : new TextEncoder().encode(JSON.stringify(value));
}

/** Connects and resolves with the connected context (client id, transport). */
export async function connected(client: Centrifuge): Promise<{ client: string; transport: string }> {
  const ready = nextEvent<{ client: string; transport: string }>(client, "connected");
  client.connect();
  return ready;
}

/** Resolves with the first `disconnected` event after `action` runs. */
export async function disconnectedBy(
  client: Centrifuge,
  action: () => unknown,
): Promise<{ code: number; reason: string }> {
  const closed = nextEvent<{ code: number; reason: string }>(client, "disconnected");
  await action();
  return closed;
}
