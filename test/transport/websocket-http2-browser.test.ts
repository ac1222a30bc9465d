import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { SignJWT } from "jose";
import type { Browser, Page } from "playwright-core";
import { httpApi } from "../helpers/api-clients.js";
import { launchChromium } from "../helpers/browser.js";
import { type SelfSigned, selfSigned } from "../helpers/self-signed.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const secret = "h2-browser-secret";
const deflateAnswer = "permessage-deflate; server_no_context_takeover; client_no_context_takeover";
/** The centrifuge SDK's own browser bundles, which set `window.Centrifuge`. */
const bundles = {
  json: fileURLToPath(new URL("../../node_modules/centrifuge/dist/centrifuge.js", import.meta.url)),
  protobuf: fileURLToPath(
    new URL("../../node_modules/centrifuge/dist/centrifuge.protobuf.js", import.meta.url),
  ),
};

let cert: SelfSigned;
let srv: TestServer;
let browser: Browser;
/** An application page on an origin of its own (https://127.0.0.1:<port>). */
let app: Server;
let appOrigin: string;
before(async () => {
  cert = await selfSigned();
  const tls = { cert: await readFile(cert.certFile), key: await readFile(cert.keyFile) };
  app = createServer(tls, (_req, res) =>
    res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html>"),
  );
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  appOrigin = `https://127.0.0.1:${(app.address() as AddressInfo).port}`;
  srv = await startTestServer({
    client: { token: { hmac_secret_key: secret }, allowed_origins: ["https://localhost:*", appOrigin] },
    channel: { without_namespace: { allow_subscribe_for_client: true } },
    websocket: { compression: true, compression_min_size: 0 },
    http_server: {
      http2: { extended_connect: true },
      tls: { enabled: true, cert_pem_file: cert.certFile, key_pem_file: cert.keyFile },
      // The client transports on TLS (Chromium speaks HTTP/2 only there), the server API on a plain internal port.
      tls_external: true,
      internal_port: 0,
    },
  });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await srv?.close();
  app?.close();
  await cert?.remove();
});

function token(user: string): Promise<string> {
  return new SignJWT({ sub: user })
    .setProtectedHeader({ alg: "HS256" })
    .sign(new TextEncoder().encode(secret));
}

/** The WebSocket handshake responses a page saw, as DevTools reports them. */
interface Handshake {
  readonly status: number;
  readonly headers: Record<string, string>;
}

/**
 * A page loaded from `url`, with the WebSocket handshakes it sees. Chromium
 * sends a WebSocket over HTTP/2 only through an HTTP/2 connection it already
 * holds to the socket's origin (one whose SETTINGS allowed extended CONNECT).
 */
async function openPage(url: string): Promise<{ page: Page; handshakes: Handshake[]; protocol: string }> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  const handshakes: Handshake[] = [];
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  cdp.on("Network.webSocketHandshakeResponseReceived", ({ response }) => {
    handshakes.push({ status: response.status, headers: response.headers as Record<string, string> });
  });
  await page.goto(url);
  const protocol = await page.evaluate(
    () => (performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming).nextHopProtocol,
  );
  return { page, handshakes, protocol };
}

/**
 * Loads the SDK bundle into the page, connects with `token` and subscribes to
 * `channel`; resolves once subscribed. Publications land in
 * `window.received` as text (the protobuf SDK hands over the payload's bytes).
 */
async function subscribeInPage(page: Page, bundle: string, channel: string, jwt: string): Promise<string> {
  await page.addScriptTag({ path: bundle });
  return page.evaluate(
    ([url, jwt, channel]) =>
      new Promise<string>((resolve, reject) => {
        type Handler = (ctx: Record<string, unknown>) => void;
        interface Emitter {
          on(event: string, handler: Handler): void;
        }
        const w = window as unknown as {
          received: string[];
          Centrifuge: new (
            url: string,
            options: object,
          ) => Emitter & {
            connect(): void;
            newSubscription(channel: string): Emitter & { subscribe(): void };
          };
        };
        w.received = [];
        const client = new w.Centrifuge(url, { token: jwt });
        let transport = "";
        client.on("connected", (ctx) => {
          transport = String(ctx.transport);
        });
        client.on("disconnected", (ctx) => reject(new Error(`disconnected: ${ctx.code} ${ctx.reason}`)));
        const sub = client.newSubscription(channel);
        sub.on("publication", (ctx) => {
          const data = ctx.data;
          w.received.push(data instanceof Uint8Array ? new TextDecoder().decode(data) : JSON.stringify(data));
        });
        sub.on("subscribed", () => resolve(transport));
        sub.on("error", (ctx) => reject(new Error(`subscription error: ${JSON.stringify(ctx)}`)));
        sub.subscribe();
        client.connect();
      }),
    [`wss://localhost:${srv.port}/connection/websocket`, jwt, channel] as const,
  );
}

async function publish(channel: string, data: unknown): Promise<void> {
  const res = await httpApi(srv.internalUrl, "publish", { channel, data }, { "X-API-Key": srv.apiKey });
  assert.equal(res.status, 200, res.text);
}

for (const format of ["json", "protobuf"] as const) {
  test(`headless Chromium: the centrifuge SDK (${format}) over a WebSocket on HTTP/2 subscribes and receives a publication`, async () => {
    const { page, handshakes, protocol } = await openPage(`https://localhost:${srv.port}/`);
    assert.equal(protocol, "h2", "the page's connection to rotor is HTTP/2");
    const channel = `h2-browser-${format}`;
    assert.equal(await subscribeInPage(page, bundles[format], channel, await token(format)), "websocket");
    // An HTTP/1.1 WebSocket handshake answers 101 (and Chromium fails one that answers 200); 200 is the
    // extended CONNECT stream's response (RFC 8441 §5), so the socket went over the HTTP/2 connection.
    assert.equal(handshakes.length, 1);
    assert.equal(handshakes[0]!.status, 200);
    assert.equal(handshakes[0]!.headers["sec-websocket-extensions"], deflateAnswer);
    if (format === "protobuf")
      assert.equal(handshakes[0]!.headers["sec-websocket-protocol"], "centrifuge-protobuf");

    const data = { format, text: "over HTTP/2 ".repeat(20) };
    await publish(channel, data);
    await page.waitForFunction(() => (window as unknown as { received: string[] }).received.length > 0);
    assert.deepEqual(await page.evaluate(() => (window as unknown as { received: string[] }).received), [
      JSON.stringify(data),
    ]);
    await page.context().close();
  });
}

test("headless Chromium on another origin: HTTP/1.1 until a credentialed request opens an HTTP/2 connection to rotor", async () => {
  const { page, handshakes } = await openPage(`${appOrigin}/`);
  const url = `wss://localhost:${srv.port}/connection/websocket`;
  // With no connection to rotor's origin yet, the socket gets one of its own: an HTTP/1.1 upgrade.
  await page.evaluate(
    (url) =>
      new Promise<void>((resolve, reject) => {
        const ws = new WebSocket(url);
        ws.onopen = () => ws.close();
        ws.onclose = () => resolve();
        ws.onerror = () => reject(new Error("socket error"));
      }),
    url,
  );
  assert.deepEqual(
    handshakes.map((h) => h.status),
    [101],
  );
  await page.evaluate(
    (origin) => fetch(`${origin}/`, { mode: "no-cors", credentials: "include" }).then(() => undefined),
    `https://localhost:${srv.port}`,
  );
  const channel = "h2-browser-cross-origin";
  assert.equal(await subscribeInPage(page, bundles.json, channel, await token("cross")), "websocket");
  assert.deepEqual(
    handshakes.map((h) => h.status),
    [101, 200],
  );
  await publish(channel, { from: appOrigin });
  await page.waitForFunction(() => (window as unknown as { received: string[] }).received.length > 0);
  assert.deepEqual(await page.evaluate(() => (window as unknown as { received: string[] }).received), [
    JSON.stringify({ from: appOrigin }),
  ]);
  await page.context().close();
});
