import assert from "node:assert/strict";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { fromJson, type JsonValue } from "@bufbuild/protobuf";
import { build } from "esbuild";
import { SignJWT } from "jose";
import { type Browser, chromium } from "playwright-core";
import { PushSchema } from "../../gen/centrifugal/centrifugo/unistream/unistream_pb.js";
import { httpApi } from "../helpers/api-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { consumeWithGrpcJs, type SeenPush, seenFromMessage } from "./connect-stream-clients.js";

const secret = "browser-stream-secret";
const consumePath = "/centrifugal.centrifugo.unistream.CentrifugoUniStream/Consume";
const pageHtml = `<!doctype html><meta charset="utf-8"><title>rotor stream</title>
<ul id="pushes"></ul><script type="module" src="/page.js"></script>`;

/** Serves the page and its script bundle, built from the fixture at test time. */
async function startPageServer(): Promise<{ server: Server; origin: string }> {
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL("../fixtures/browser/uni-stream-page.ts", import.meta.url))],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "chrome120",
    write: false,
  });
  const script = bundle.outputFiles[0]!.contents;
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?", 1)[0];
    if (path === "/page.js") res.writeHead(200, { "content-type": "text/javascript" }).end(script);
    else if (path === "/") res.writeHead(200, { "content-type": "text/html" }).end(pageHtml);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** A raw request with an Origin header, as a browser's preflight or call would carry it. */
function fromOrigin(url: string, method: string, origin: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
    const req = request(url, { method, headers: { origin, ...headers } }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
    });
    req.on("error", reject);
    req.end();
  });
}

let page: { server: Server; origin: string };
let srv: TestServer;
let browser: Browser;

before(async () => {
  page = await startPageServer();
  srv = await startTestServer({
    uni_grpc: { enabled: true },
    client: { token: { hmac_secret_key: secret }, allowed_origins: [page.origin] },
    channel: { namespaces: [{ name: "live", history_size: 10, history_ttl: "60s" }] },
  });
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-dev-shm-usage",
    ],
  });
});
after(async () => {
  await browser?.close();
  await srv?.close();
  page?.server.close();
});

function token(user: string, channels: string[]): Promise<string> {
  return new SignJWT({ sub: user, channels })
    .setProtectedHeader({ alg: "HS256" })
    .sign(new TextEncoder().encode(secret));
}

describe("Connect uni stream in headless Chromium", () => {
  test("connect-web over gRPC-Web on another origin receives what grpc-js receives, in order", async () => {
    const channel = "live:scores";
    const tab = await browser.newPage();
    const native = consumeWithGrpcJs(srv.port, { token: await token("native", [channel]) });
    try {
      const query = new URLSearchParams({ server: srv.url, token: await token("browser", [channel]) });
      await tab.goto(`${page.origin}/?${query}`);
      await tab.waitForFunction(() => (window as unknown as { pushes: unknown[] }).pushes.length > 0);
      await native.log.until((l) => l.of("connect").length === 1, "the grpc-js connect push");
      for (let n = 1; n <= 3; n++) {
        const res = await httpApi(srv.url, "publish", { channel, data: { n } }, { "X-API-Key": srv.apiKey });
        assert.equal(res.status, 200, res.text);
      }
      await tab.waitForFunction(() => (window as unknown as { pushes: unknown[] }).pushes.length >= 4);
      await native.log.until((l) => l.of("pub").length === 3, "the grpc-js publications");
      const json = await tab.evaluate(() => (window as unknown as { pushes: JsonValue[] }).pushes);
      const seen: SeenPush[] = json.map((p) => seenFromMessage(fromJson(PushSchema, p)));
      assert.equal(seen[0]!.kind, "connect");
      assert.deepEqual(seen[0]!.subs, [channel]);
      const pubs = seen.filter((p) => p.kind === "pub");
      assert.deepEqual(pubs, native.log.of("pub"));
      assert.deepEqual(
        pubs.map((p) => p.data),
        [1, 2, 3].map((n) => JSON.stringify({ n })),
      );
      assert.deepEqual(
        await tab
          .locator("#pushes li")
          .allTextContents()
          .then((t) => t.slice(1)),
        [`${channel}: {"n":1}`, `${channel}: {"n":2}`, `${channel}: {"n":3}`],
      );
    } finally {
      native.cancel();
      await tab.close();
    }
  });

  test("a preflight from an allowed origin gets the CORS answer connect-web needs", async () => {
    const res = await fromOrigin(`${srv.url}${consumePath}`, "OPTIONS", page.origin, {
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type,x-grpc-web,x-user-agent",
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers["access-control-allow-origin"], page.origin);
    assert.match(String(res.headers["access-control-allow-methods"]), /POST/);
    for (const header of ["content-type", "x-grpc-web", "x-user-agent"]) {
      assert.match(String(res.headers["access-control-allow-headers"]), new RegExp(header, "i"));
    }
  });

  test("a page on an origin outside client.allowed_origins is refused with 403", async () => {
    for (const method of ["OPTIONS", "POST"]) {
      const res = await fromOrigin(`${srv.url}${consumePath}`, method, "http://elsewhere.example");
      assert.equal(res.status, 403, method);
      assert.equal(res.headers["access-control-allow-origin"], undefined);
    }
  });
});
