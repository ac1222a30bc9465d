import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startTestServer, type TestServer } from "../helpers/server.js";

const admin = { enabled: true, password: "admin-password", secret: "admin-secret" };

async function login(url: string, password: string): Promise<Response> {
  return fetch(`${url}/admin/auth`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ password }),
  });
}

function connectInfo(url: string, headers: Record<string, string>): Promise<Response> {
  return fetch(`${url}/centrifugal.centrifugo.api.CentrifugoApi/Info`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: "{}",
  });
}

describe("admin endpoints on the internal port", () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({ admin, http_server: { internal_port: 0 } });
  });
  after(() => srv?.close());

  test("init, auth and api answer as Centrifugo's; a wrong password and a missing token are refused", async () => {
    assert.deepEqual(await (await fetch(`${srv.internalUrl}/admin/init`)).json(), {
      insecure: false,
      edition: "oss",
      authenticated: false,
    });
    const wrong = await login(srv.internalUrl, "nope");
    assert.equal(wrong.status, 400);
    const form = new FormData();
    form.set("password", admin.password);
    const multipart = await fetch(`${srv.internalUrl}/admin/auth`, { method: "POST", body: form });
    assert.equal(multipart.status, 200, "Centrifugo's UI posts the password as multipart form data");
    const noToken = await fetch(`${srv.internalUrl}/admin/api`, {
      method: "POST",
      body: '{"method":"info","params":{}}',
    });
    assert.equal(noToken.status, 401);
    assert.equal(await noToken.text(), "");

    const ok = await login(srv.internalUrl, admin.password);
    assert.equal(ok.status, 200);
    const { token } = (await ok.json()) as { token: string };
    const authorization = `Token ${token}`;
    const init = await fetch(`${srv.internalUrl}/admin/init`, { headers: { authorization } });
    assert.equal(((await init.json()) as { authenticated: boolean }).authenticated, true);
    const api = await fetch(`${srv.internalUrl}/admin/api`, {
      method: "POST",
      headers: { authorization },
      body: '{"method":"publish","params":{"channel":"news","data":{"x":1}}}',
    });
    assert.equal(api.status, 200);
    assert.match(await api.text(), /^\{"result":\{/);
    const forged = await fetch(`${srv.internalUrl}/admin/api`, {
      method: "POST",
      headers: { authorization: `token ${token.slice(0, -2)}xx` },
      body: '{"method":"info","params":{}}',
    });
    assert.equal(forged.status, 401);
  });

  test("the admin token opens the Connect API where the admin UI is served; the main port serves neither", async () => {
    const { token } = (await (await login(srv.internalUrl, admin.password)).json()) as { token: string };
    assert.equal((await connectInfo(srv.internalUrl, { authorization: `token ${token}` })).status, 200);
    assert.equal((await connectInfo(srv.internalUrl, { authorization: "token bogus" })).status, 401);
    assert.equal((await fetch(`${srv.url}/admin/init`)).status, 404);
    assert.equal((await connectInfo(srv.url, { authorization: `token ${token}` })).status, 404);
  });
});

describe("admin.external with the API internal", () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({ admin: { ...admin, external: true }, http_server: { internal_port: 0 } });
  });
  after(() => srv?.close());

  test("the main port admits the admin token on the Connect API, never the API key", async () => {
    const { token } = (await (await login(srv.url, admin.password)).json()) as { token: string };
    assert.equal((await connectInfo(srv.url, { authorization: `token ${token}` })).status, 200);
    assert.equal((await connectInfo(srv.url, { "x-api-key": srv.apiKey })).status, 401);
    assert.equal((await connectInfo(srv.internalUrl, { "x-api-key": srv.apiKey })).status, 200);
    assert.equal((await fetch(`${srv.url}/api/info`, { method: "POST", body: "{}" })).status, 404);
  });
});

test("admin.enabled without a password or secret is refused at start", async () => {
  await assert.rejects(
    startTestServer({ admin: { enabled: true } }),
    /admin: enabled without both password and secret/,
  );
});
