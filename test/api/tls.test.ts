import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import https from "node:https";
import { after, before, test } from "node:test";
import tls from "node:tls";
import { promisify } from "node:util";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { CentrifugoApi } from "../../gen/centrifugal/centrifugo/api/api_pb.js";
import { type SelfSigned, selfSigned } from "../helpers/self-signed.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const run = promisify(execFile);

let cert: SelfSigned;
let ca: string;
let srv: TestServer;
let baseUrl: string;

before(async () => {
  cert = await selfSigned();
  ca = cert.ca;
  srv = await startTestServer({
    http_server: { tls: { enabled: true, cert_pem_file: cert.certFile, key_pem_file: cert.keyFile } },
    channel: { namespaces: [{ name: "chat", history_size: 5, history_ttl: "60s" }] },
  });
  baseUrl = `https://127.0.0.1:${srv.port}`;
});

after(async () => {
  await srv.close();
  await cert.remove();
});

const withKey = (key: string) => [
  (next: (req: { header: Headers }) => unknown) => (req: { header: Headers }) => {
    req.header.set("authorization", `apikey ${key}`);
    return next(req);
  },
];

function alpn(protocols: string[]): Promise<string | false | null> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port: srv.port, ca, ALPNProtocols: protocols }, () => {
      resolve(socket.alpnProtocol ?? null);
      socket.end();
    });
    socket.on("error", reject);
  });
}

test("the TLS port negotiates h2 and http/1.1 by ALPN", async () => {
  assert.equal(await alpn(["h2", "http/1.1"]), "h2");
  assert.equal(await alpn(["http/1.1"]), "http/1.1");
});

test("gRPC over TLS (ALPN h2) publishes and reads history", async () => {
  const transport = createGrpcTransport({
    baseUrl,
    nodeOptions: { ca },
    interceptors: withKey(srv.apiKey) as never,
  });
  const client = createClient(CentrifugoApi, transport);
  const pub = await client.publish({ channel: "chat:tls", data: new TextEncoder().encode('{"x":1}') });
  assert.equal(pub.result?.offset, 1n);
  const history = await client.history({ channel: "chat:tls", limit: -1 });
  assert.deepEqual(
    history.result?.publications.map((p) => new TextDecoder().decode(p.data)),
    ['{"x":1}'],
  );
});

test("Connect over TLS with HTTP/2 answers Info", async () => {
  const transport = createConnectTransport({
    baseUrl,
    httpVersion: "2",
    nodeOptions: { ca },
    interceptors: withKey(srv.apiKey) as never,
  });
  const info = await createClient(CentrifugoApi, transport).info({});
  assert.equal(info.result?.nodes.length, 1);
});

test("HTTP/1.1 over TLS reaches /api/info, from node:https and from curl", async () => {
  const answer = await new Promise<{ version: string; status: number; body: string }>((resolve, reject) => {
    const req = https.request(
      `${baseUrl}/api/info`,
      { method: "POST", ca, headers: { "x-api-key": srv.apiKey } },
      (res) => {
        let body = "";
        res.on("data", (chunk) => (body += chunk));
        res.on("end", () => resolve({ version: res.httpVersion, status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end("{}");
  });
  assert.deepEqual([answer.version, answer.status], ["1.1", 200]);
  assert.match(answer.body, /"nodes":\[\{"uid"/);

  const curl = await run("curl", [
    "-sS",
    "-k",
    "--http1.1",
    "-w",
    "\n%{http_version} %{http_code}",
    "-X",
    "POST",
    "-H",
    `X-API-Key: ${srv.apiKey}`,
    "-d",
    "{}",
    `${baseUrl}/api/info`,
  ]);
  const [body, status] = curl.stdout.split("\n");
  assert.equal(status, "1.1 200");
  assert.match(body!, /"nodes":\[\{"uid"/);
});

test("closing a TLS server ends its idle HTTP/2 client sessions instead of waiting for them", {
  timeout: 15_000,
}, async () => {
  const other = await startTestServer({
    http_server: {
      tls: { enabled: true, cert_pem_file: cert.certFile, key_pem_file: cert.keyFile },
    },
  });
  const transport = createGrpcTransport({
    baseUrl: `https://127.0.0.1:${other.port}`,
    nodeOptions: { ca },
    interceptors: withKey(other.apiKey) as never,
  });
  assert.equal((await createClient(CentrifugoApi, transport).info({})).result?.nodes.length, 1);
  await other.close();
});
