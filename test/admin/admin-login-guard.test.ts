import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import type { RotorServer } from "../../src/server/rotor-server.js";
import { launchChromium } from "../helpers/browser.js";
import { startLoggedServer } from "../helpers/logged-server.js";

const password = "guard-password";
let lines: Record<string, unknown>[] = [];
let server: RotorServer;
let url: string;
let browser: Browser | undefined;

before(async () => {
  ({ server, url, lines } = await startLoggedServer({
    http_api: { key: "guard-api-key" },
    admin: { enabled: true, password, secret: "guard-admin-secret" },
  }));
});
after(async () => {
  await browser?.close();
  await server?.close();
});

const login = (guess: string) =>
  fetch(`${url}/admin/auth`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ password: guess }),
  });

test("wrong admin passwords from one address are throttled with back-off and logged at warn, rate-limited", async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 10; i++) statuses.push((await login(`guess-${i}`)).status);
  assert.deepEqual(statuses, [400, 400, 400, 400, 429, 429, 429, 429, 429, 429]);
  const throttled = await login(password);
  assert.equal(throttled.status, 429, "while throttled even the right password waits");
  const waitS = Number(throttled.headers.get("retry-after"));
  assert.ok(waitS >= 1, `retry-after ${waitS}`);
  await new Promise((resolve) => setTimeout(resolve, waitS * 1000 + 100));
  const ok = await login(password);
  assert.equal(ok.status, 200);
  const warned = lines.filter((l) => l.msg === "admin login failed");
  assert.equal(warned.length, 1, "four failures in one interval: one line");
  assert.equal(warned[0]!.level, 40);
  assert.equal(warned[0]!.remote, "127.0.0.1");
});

test("the admin UI cannot be framed: X-Frame-Options and CSP frame-ancestors, and Chromium refuses the frame", async () => {
  const page = await fetch(`${url}/`);
  assert.equal(page.status, 200);
  assert.equal(page.headers.get("x-frame-options"), "DENY");
  assert.equal(page.headers.get("content-security-policy"), "frame-ancestors 'none'");
  browser = await launchChromium();
  const tab = await browser.newPage();
  // The framing page comes from another origin than the admin UI (localhost vs 127.0.0.1).
  await tab.goto(`http://localhost:${server.port}/health`);
  await tab.setContent(`<iframe id="f" src="${url}/"></iframe>`);
  await tab.waitForTimeout(500);
  const frame = tab.frames().find((f) => f !== tab.mainFrame());
  assert.ok(frame, "the frame exists");
  const framed = await frame.$("#app").catch(() => null);
  assert.equal(framed, null, `the admin UI rendered inside a frame (${frame.url()})`);
});
