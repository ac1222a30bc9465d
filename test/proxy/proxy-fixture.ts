import type { Centrifuge, Options } from "centrifuge";
import { mintConnectionToken } from "../../src/auth/mint.js";
import type { ClientSession } from "../../src/client/session.js";
import { type ClientProtocol, centrifugeClient } from "../helpers/centrifuge-clients.js";
import { freePort } from "../helpers/cli-process.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { startBackend } from "./backends/backends.js";
import { caseHeader, type ProxyMethod, Script } from "./backends/script.js";
import type { BackendTransport, TestBackend } from "./backends/test-backend.js";

export const tokenSecret = "proxy-test-secret";

/** Where a proxy object points: a running test backend, or a port nothing listens on. */
type Target = Pick<TestBackend, "transport" | "proxy">;

/** A target like `transport`'s backend, at a port where nothing answers. */
export function deadTarget(transport: BackendTransport, port: number): Target {
  return {
    transport,
    proxy: (method) =>
      transport === "http"
        ? { endpoint: `http://127.0.0.1:${port}/${method}` }
        : transport === "grpc"
          ? { endpoint: `grpc://127.0.0.1:${port}` }
          : {
              endpoint: `connect://127.0.0.1:${port}`,
              connect_rpc: { http2: method.startsWith("Subscribe") },
            },
  };
}

/**
 * The config the outcome tables run against: every proxy kind pointed at
 * `target` (the case header forwarded as an emulated header), namespaces
 * `px` (subscribe, publish, sub_refresh proxies), `stream` and `bidi`
 * (subscribe streams, gRPC and Connect only), and `live` whose subscribe
 * proxy is `live` even when the others are dead.
 */
export function proxiedConfig(target: Target, live: Target = target): Record<string, unknown> {
  const p = (m: ProxyMethod, to: Target = target) => ({
    ...to.proxy(m),
    emulated_headers: [caseHeader],
    timeout: "1s",
  });
  const streams = target.transport !== "http";
  return {
    client: {
      token: { hmac_secret_key: tokenSecret },
      proxy: { connect: { enabled: true, ...p("Connect") }, refresh: { enabled: true, ...p("Refresh") } },
    },
    channel: {
      proxy: {
        subscribe: p("Subscribe"),
        publish: p("Publish"),
        sub_refresh: p("SubRefresh"),
        ...(streams ? { subscribe_stream: p("SubscribeUnidirectional") } : {}),
      },
      namespaces: [
        {
          name: "px",
          subscribe_proxy_enabled: true,
          publish_proxy_enabled: true,
          sub_refresh_proxy_enabled: true,
        },
        {
          name: "live",
          subscribe_proxy_enabled: true,
          subscribe_proxy_name: "live",
          sub_refresh_proxy_enabled: true,
        },
        ...(streams
          ? [
              { name: "stream", subscribe_stream_proxy_enabled: true },
              {
                name: "bidi",
                subscribe_stream_proxy_enabled: true,
                subscribe_stream_proxy_bidirectional: true,
                subscribe_stream_proxy_name: "bidi",
              },
            ]
          : []),
      ],
    },
    proxies: [
      { name: "live", ...p("Subscribe", live) },
      ...(streams ? [{ name: "bidi", ...p("SubscribeBidirectional") }] : []),
    ],
    rpc: { proxy: p("RPC"), without_namespace: { proxy_enabled: true } },
  };
}

/** A backend of one transport, a rotor using it, and a rotor whose proxies (but `live`) reach nothing. */
export interface ProxyEnv {
  readonly transport: BackendTransport;
  readonly script: Script;
  readonly backend: TestBackend;
  readonly live: TestServer;
  readonly down: TestServer;
  close(): Promise<void>;
}

export async function startProxyEnv(transport: BackendTransport): Promise<ProxyEnv> {
  const script = new Script();
  const backend = await startBackend(transport, script);
  const live = await startTestServer(proxiedConfig(backend));
  const down = await startTestServer(proxiedConfig(deadTarget(transport, await freePort()), backend));
  return {
    transport,
    script,
    backend,
    live,
    down,
    async close() {
      await Promise.all([live.close(), down.close()]);
      await backend.close();
    },
  };
}

/** centrifuge-js clients of one test, disconnected when it ends. */
export class Clients {
  private readonly all: Centrifuge[] = [];

  constructor(
    private readonly protocol: ClientProtocol,
    private readonly caseName: string,
  ) {}

  /** A client that names its case in the emulated `x-case` header. */
  open(server: TestServer, options: Partial<Options> = {}): Centrifuge {
    const client = centrifugeClient(server.url, this.protocol, {
      headers: { [caseHeader]: this.caseName },
      timeout: 15_000,
      ...options,
    });
    this.all.push(client);
    return client;
  }

  /** A client authenticated with a token (the connect proxy is not asked), expiring after `ttlMs` if set. */
  async withToken(server: TestServer, ttlMs = 0): Promise<Centrifuge> {
    const token = await mintConnectionToken({ secret: tokenSecret, user: this.caseName, ttl: ttlMs });
    return this.open(server, { token });
  }

  close(): void {
    for (const client of this.all) client.disconnect();
  }
}

/** The server side of a connected client. */
export function sessionOf(server: TestServer, clientId: string): ClientSession {
  const session = server.server.node.hub.client(clientId);
  if (!session) throw new Error(`no session ${clientId}`);
  return session as ClientSession;
}

/** Waits until `check` holds (for server-side state a client cannot see), failing after `timeoutMs`. */
export async function waitUntil(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const unixNow = () => Math.floor(Date.now() / 1000);
