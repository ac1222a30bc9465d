import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { centrifugeClient, decoded } from "../helpers/centrifuge-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { startGrpcBackend } from "./backends/grpc-backend.js";
import { startHttpBackend } from "./backends/http-backend.js";
import { Script } from "./backends/script.js";
import type { TestBackend } from "./backends/test-backend.js";
import { connected } from "./events.js";

const run = promisify(execFile);

describe("proxies call backends over TLS", () => {
  const script = new Script();
  let dir: string;
  let https: TestBackend;
  let grpcs: TestBackend;
  let server: TestServer;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "rotor-proxy-tls-"));
    const [certFile, keyFile] = [join(dir, "cert.pem"), join(dir, "key.pem")];
    await run("openssl", [
      ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"],
      ...["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", keyFile, "-out", certFile],
    ]);
    const tls = { cert: await readFile(certFile, "utf8"), key: await readFile(keyFile, "utf8") };
    script.define("", { RPC: (req) => ({ answer: { result: { data: { method: req.method } } } }) });
    https = await startHttpBackend(script, tls);
    grpcs = await startGrpcBackend(script, tls);
    const ns = (name: string) => ({ name, proxy_enabled: true, proxy_name: name });
    server = await startTestServer({
      client: { allow_anonymous_connect_without_token: true },
      proxies: [
        { name: "file-ca", ...https.proxy("RPC"), http: { tls: { enabled: true, server_ca_pem: certFile } } },
        { name: "untrusted", ...https.proxy("RPC") },
        {
          name: "skip-verify",
          ...https.proxy("RPC"),
          http: { tls: { enabled: true, insecure_skip_verify: true } },
        },
        {
          name: "grpc-b64-ca",
          ...grpcs.proxy("RPC"),
          grpc: { tls: { enabled: true, server_ca_pem: Buffer.from(tls.cert).toString("base64") } },
        },
      ],
      rpc: { namespaces: ["file-ca", "untrusted", "skip-verify", "grpc-b64-ca"].map(ns) },
    });
  });
  after(async () => {
    await server.close();
    await Promise.all([https.close(), grpcs.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  test("a backend certificate signed by the configured CA (file or base64 PEM) is trusted; others are refused", async () => {
    const client = centrifugeClient(server.url, "json");
    try {
      await connected(client);
      for (const method of ["file-ca:a", "skip-verify:b", "grpc-b64-ca:c"]) {
        assert.deepEqual(decoded((await client.rpc(method, {})).data), { method }, method);
      }
      await assert.rejects(client.rpc("untrusted:d", {}), (err) => {
        assert.equal((err as { code: number }).code, 100);
        return true;
      });
    } finally {
      client.disconnect();
    }
  });
});
