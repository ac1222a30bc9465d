import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import WebSocket from "ws";
import { sign, unix } from "../auth/token-helpers.js";
import { httpApi } from "../helpers/api-clients.js";
import { freePort, startCli } from "../helpers/cli-process.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { openUniWebSocket, uniClients } from "../helpers/transport-clients.js";

const run = promisify(execFile);
const secret = "v69-secret";

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "rotor-v69-"));
});
after(() => rm(dir, { recursive: true, force: true }));

describe("node.name, init and connect_code_to_unidirectional_disconnect", () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({
      node: { name: "edge-1" },
      init: { enabled: true, handler_prefix: "/warmup" },
      uni_http_stream: { enabled: true },
      client: {
        token: { hmac_secret_key: secret },
        connect_code_to_unidirectional_disconnect: {
          enabled: true,
          transforms: [{ code: 109, to: { code: 4109, reason: "token expired, get a new one" } }],
        },
      },
    });
  });
  after(() => srv.close());

  test("node.name is the name info reports", async () => {
    const info = await httpApi(srv.url, "info", {}, { "X-API-Key": srv.apiKey });
    const nodes = (info.body as { result: { nodes: { name: string }[] } }).result.nodes;
    assert.deepEqual(
      nodes.map((n) => n.name),
      ["edge-1"],
    );
  });

  test("init answers GET with {} and refuses other methods with 405", async () => {
    const got = await fetch(`${srv.url}/warmup`);
    assert.equal(got.status, 200);
    assert.equal(got.headers.get("content-type"), "application/json; charset=utf-8");
    assert.equal(await got.text(), "{}");
    assert.equal((await fetch(`${srv.url}/warmup`, { method: "POST", body: "x" })).status, 405);
    assert.equal((await fetch(`${srv.url}/connection/init`)).status, 404, "the configured prefix only");
  });

  test("a transform turns a unidirectional connect error into the configured disconnect", async () => {
    const expired = await sign({ sub: "late", exp: unix(-60) }, secret, "HS256");
    const stream = await uniClients.uni_http_stream(srv.url, { token: expired });
    assert.deepEqual(await stream.take(), {
      disconnect: { code: 4109, reason: "token expired, get a new one" },
    });
    await stream.ended;
  });
});

describe("tls_external, internal_tls and client_ca_pem", () => {
  let cert: string;
  let key: string;
  let pem: string;
  before(async () => {
    [cert, key] = [join(dir, "cert.pem"), join(dir, "key.pem")];
    await run("openssl", [
      ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"],
      ...["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key, "-out", cert],
    ]);
    pem = await readFile(cert, "utf8");
  });

  function httpsGet(url: string, options: https.RequestOptions = {}): Promise<number> {
    return new Promise((resolve, reject) => {
      https
        .get(url, { ca: pem, ...options }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on("error", reject);
    });
  }

  test("tls_external keeps the internal listener plain; internal_tls gives it TLS of its own", async () => {
    const tls = { enabled: true, cert_pem_file: cert, key_pem_file: key };
    const external = await startTestServer({
      http_server: { tls, tls_external: true, internal_port: 0, internal_address: "127.0.0.1" },
    });
    try {
      assert.equal(await httpsGet(`https://127.0.0.1:${external.port}/nothing-here`), 404);
      const plain = await fetch(`http://127.0.0.1:${external.server.internalPort}/health`);
      assert.equal(plain.status, 200);
    } finally {
      await external.close();
    }
    const own = await startTestServer({
      http_server: {
        tls_external: true,
        tls,
        internal_tls: tls,
        internal_port: 0,
        internal_address: "127.0.0.1",
      },
    });
    try {
      assert.equal(await httpsGet(`https://127.0.0.1:${own.server.internalPort}/health`), 200);
    } finally {
      await own.close();
    }
  });

  test("client_ca_pem asks for a client certificate and refuses a connection without one", async () => {
    const srv = await startTestServer({
      http_server: { tls: { enabled: true, cert_pem_file: cert, key_pem_file: key, client_ca_pem: cert } },
    });
    try {
      const health = `https://127.0.0.1:${srv.port}/health`;
      await assert.rejects(httpsGet(health));
      assert.equal(await httpsGet(health, { cert: pem, key: await readFile(key, "utf8") }), 200);
    } finally {
      await srv.close();
    }
  });
});

test("log.file gets the JSON log lines, pid_file the process ID until a graceful exit", async () => {
  const port = await freePort();
  const [config, log, pidFile] = ["config.json", "rotor.log", "rotor.pid"].map((name) => join(dir, name));
  await writeFile(
    config!,
    JSON.stringify({
      http_server: { address: "127.0.0.1", port },
      http_api: { key: "k" },
      log: { file: log },
      pid_file: pidFile,
    }),
  );
  const cli = await startCli(["-c", config!], [port]);
  try {
    // The banner is the last line before the signal handlers are in place.
    for (let i = 0; i < 200 && !(await readFile(log!, "utf8")).includes("listening on"); i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.equal(await readFile(pidFile!, "utf8"), `${cli.child.pid}\n`);
  } finally {
    await cli.stop();
  }
  assert.equal(
    existsSync(pidFile!),
    false,
    `removed on SIGTERM:\n${cli.output()}\n${await readFile(log!, "utf8")}`,
  );
  const lines = (await readFile(log!, "utf8"))
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
  assert.ok(
    lines.some((l) => l.msg === "shutting down"),
    JSON.stringify(lines),
  );
  assert.doesNotMatch(cli.output(), /shutting down/, "the console gets nothing logged to the file");
});

describe("client.user_id_http_header", () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({
      client: { token: { hmac_secret_key: secret }, user_id_http_header: "X-User-Id" },
      channel: { without_namespace: { allow_user_limited_channels: true } },
    });
  });
  after(() => srv.close());

  /** Connects over raw WebSocket JSON, then subscribes to `#alice` (alice only): what each reply says. */
  async function connectAndSubscribe(headers: Record<string, string>, token = "") {
    const ws = new WebSocket(`${srv.url.replace("http", "ws")}/connection/websocket`, { headers });
    const replies: Record<string, unknown>[] = [];
    const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
    ws.on("message", (data) => {
      for (const line of String(data).split("\n")) if (line) replies.push(JSON.parse(line));
    });
    await new Promise((resolve) => ws.on("open", resolve));
    ws.send(
      `${JSON.stringify({ id: 1, connect: { token } })}\n${JSON.stringify({ id: 2, subscribe: { channel: "#alice" } })}`,
    );
    const replied = new Promise<number>((resolve) =>
      ws.on("message", () => {
        if (replies.some((r) => r.id === 2)) resolve(0);
      }),
    );
    const code = await Promise.race([closed, replied]);
    ws.close();
    return { code, subscribe: replies.find((r) => r.id === 2) };
  }

  test("a connection without a token becomes the header's user", async () => {
    const alice = await connectAndSubscribe({ "X-User-Id": "alice" });
    assert.equal(alice.code, 0);
    assert.ok(alice.subscribe && "subscribe" in alice.subscribe, JSON.stringify(alice.subscribe));
    const bob = await connectAndSubscribe({ "X-User-Id": "bob" });
    assert.equal((bob.subscribe as { error?: { code: number } }).error?.code, 103);
  });

  test("without the header the connection is refused; a token's user wins over the header", async () => {
    assert.equal((await connectAndSubscribe({})).code, 3501);
    const token = await sign({ sub: "bob", exp: unix(60) }, secret, "HS256");
    const withToken = await connectAndSubscribe({ "X-User-Id": "alice" }, token);
    assert.equal((withToken.subscribe as { error?: { code: number } }).error?.code, 103);
  });
});

test("uni_websocket.disable_closing_handshake ends the connection after the disconnect push, with no close frame", async () => {
  const srv = await startTestServer({
    uni_websocket: { enabled: true, disable_closing_handshake: true },
    client: { token: { hmac_secret_key: secret } },
  });
  try {
    const expired = await sign({ sub: "late", exp: unix(-60) }, secret, "HS256");
    const stream = await openUniWebSocket(
      `${srv.url.replace("http", "ws")}/connection/uni_websocket`,
      JSON.stringify({ token: expired }),
    );
    assert.deepEqual(await stream.take(), { disconnect: { code: 3005, reason: "connection expired" } });
    assert.equal((await stream.ended).code, 1006, "closed without a close frame");
  } finally {
    await srv.close();
  }
});

test("debug: a CPU profile and a heap snapshot from the internal listener, bad durations refused", async () => {
  const srv = await startTestServer({
    debug: { enabled: true },
    http_server: { internal_port: 0, internal_address: "127.0.0.1" },
  });
  try {
    const base = `${srv.internalUrl}/debug/pprof`;
    assert.equal((await fetch(`${srv.url}/debug/pprof/heap`)).status, 404, "not on the external listener");
    const profile = (await (await fetch(`${base}/profile?seconds=1`)).json()) as {
      nodes: unknown[];
      startTime: number;
      endTime: number;
    };
    assert.ok(profile.nodes.length > 0);
    assert.ok(profile.endTime - profile.startTime >= 900_000, "about a second, in microseconds");
    const heap = (await (await fetch(`${base}/heap`)).json()) as { snapshot: { node_count: number } };
    assert.ok(heap.snapshot.node_count > 1000);
    assert.equal((await fetch(`${base}/profile?seconds=0`)).status, 400);
    assert.equal((await fetch(`${base}/profile?seconds=lots`)).status, 400);
  } finally {
    await srv.close();
  }
});

test("connect_code_to_http_response: a failed uni_sse / uni_http_stream connect is an HTTP status, a good one streams", async () => {
  const responses = {
    enabled: true,
    transforms: [
      { code: 3500, to: { status_code: 401, body: "" } },
      { code: 109, to: { status_code: 410, body: "token gone" } },
    ],
  };
  const srv = await startTestServer({
    uni_sse: { enabled: true, connect_code_to_http_response: responses },
    uni_http_stream: { enabled: true, connect_code_to_http_response: responses },
    client: { token: { hmac_secret_key: secret } },
  });
  const connect = async (path: string, request: object) => {
    const res = await fetch(`${srv.url}/connection/${path}`, {
      method: "POST",
      body: JSON.stringify(request),
    });
    if (res.status !== 200) return [res.status, await res.text()];
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    return [res.status, first.trim()];
  };
  try {
    const expired = await sign({ sub: "late", exp: unix(-60) }, secret, "HS256");
    const good = await sign({ sub: "ok", exp: unix(60) }, secret, "HS256");
    for (const path of ["uni_http_stream", "uni_sse"]) {
      assert.deepEqual(await connect(path, { token: "not.a.token" }), [401, "invalid token"], path);
      assert.deepEqual(await connect(path, { token: expired }), [410, "token gone"], path);
      assert.deepEqual(await connect(path, {}), [500, "Internal Server Error"], path);
      const [status, body] = await connect(path, { token: good });
      assert.equal(status, 200, path);
      assert.match(String(body), /"connect":\{/, path);
    }
  } finally {
    await srv.close();
  }
});
