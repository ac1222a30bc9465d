import type { HubClient } from "../../src/node/hub.js";
import type { TestServer } from "../helpers/server.js";

/** The namespace the HTTP JSON API tests publish into: history and presence on. */
export const chatConfig = {
  channel: { namespaces: [{ name: "chat", history_size: 10, history_ttl: "300s", presence: true }] },
};

export interface HttpAnswer {
  readonly status: number;
  readonly contentType: string | null;
  readonly text: string;
  /** The body parsed as JSON, undefined when it is not JSON. */
  readonly json: unknown;
}

/**
 * POSTs raw bytes (a string is sent as-is, never re-serialised) to a path of
 * the server, with the API key in X-API-Key unless headers say otherwise.
 */
export async function post(
  srv: TestServer,
  path: string,
  body: string | Uint8Array<ArrayBuffer>,
  headers: Record<string, string> = { "x-api-key": srv.apiKey },
  method = "POST",
): Promise<HttpAnswer> {
  const res = await fetch(`${srv.url}${path}`, {
    method,
    headers,
    body: method === "GET" || method === "HEAD" ? undefined : body,
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, contentType: res.headers.get("content-type"), text, json };
}

/** POSTs a JSON value to `/api/<method>` with the key. */
export function call(srv: TestServer, method: string, body: unknown, headers?: Record<string, string>) {
  return post(srv, `/api/${method}`, JSON.stringify(body), headers ?? { "x-api-key": srv.apiKey });
}

/** A connection registered in the node's hub that records what server-side commands did to it. */
export function fakeClient(srv: TestServer, id: string, user: string) {
  const events: string[] = [];
  let wake: (() => void) | undefined;
  const record = (event: string) => {
    events.push(event);
    wake?.();
  };
  const client: HubClient = {
    id,
    user,
    session: "",
    transport: { name: "test" },
    subscribeByServer: (channel) => record(`subscribe ${channel}`),
    unsubscribeByServer: (channel) => record(`unsubscribe ${channel}`),
    disconnect: (d) => record(`disconnect ${d.code} ${d.reason}`),
    refreshByServer: (expired, expireAt) => record(`refresh ${expired} ${expireAt}`),
  };
  srv.server.node.hub.addClient(client);
  return {
    client,
    events,
    /** Resolves once `count` events were recorded, or rejects after a timeout. */
    async waitFor(count: number, timeoutMs = 2000): Promise<string[]> {
      const deadline = Date.now() + timeoutMs;
      while (events.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`expected ${count} events, got ${JSON.stringify(events)}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      return events;
    },
  };
}
