import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import { Centrifugo } from "../../gen/api/api_pb.js";
import { CentrifugoApi } from "../../gen/centrifugal/centrifugo/api/api_pb.js";
import { unauthenticatedMessage, unauthorizedHttpMessage } from "../../src/api/api-key.js";
import {
  type ConnectProtocol,
  connectClient,
  connectProtocols,
  grpcJsCall,
  grpcJsClient,
} from "../helpers/api-clients.js";
import { freePort, startCli } from "../helpers/cli-process.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const apiProto = "centrifugal/centrifugo/api/api.proto";
const apiService = "centrifugal.centrifugo.api.CentrifugoApi";

/** How one surface answers a call made with these credentials: "ok", or the refusal it got. */
type Probe = (key: string | undefined) => Promise<"ok" | { code: string; message: string }>;

function grpcJsProbe(proto: string, service: string, address: string): Probe {
  return async (key) => {
    const client = grpcJsClient(proto, service, address);
    try {
      await grpcJsCall(client, "Info", {}, key === undefined ? {} : { authorization: `apikey ${key}` });
      return "ok";
    } catch (err) {
      const e = err as grpc.ServiceError;
      return { code: grpc.status[e.code]!, message: e.details };
    } finally {
      client.close();
    }
  };
}

function connectProbe(
  service: typeof CentrifugoApi | typeof Centrifugo,
  protocol: ConnectProtocol,
  url: string,
): Probe {
  return async (key) => {
    try {
      await connectClient(service as typeof CentrifugoApi, protocol, url, key).info({});
      return "ok";
    } catch (err) {
      const e = ConnectError.from(err);
      return { code: Code[e.code]!, message: e.rawMessage };
    }
  };
}

function httpProbe(url: string, path: string, body: string): Probe {
  return async (key) => {
    const res = await fetch(`${url}${path}`, {
      method: "POST",
      headers: key === undefined ? {} : { "x-api-key": key },
      body,
    });
    const text = await res.text();
    return res.status === 200 ? "ok" : { code: String(res.status), message: text };
  };
}

/** Every surface of the server API: main port and, when open, the gRPC API port. */
function probes(srv: TestServer): Record<string, Probe> {
  const main = `127.0.0.1:${srv.port}`;
  const out: Record<string, Probe> = {
    "grpc-js, main port": grpcJsProbe(apiProto, apiService, main),
    "grpc-js v2 service, main port": grpcJsProbe("api/api.proto", "api.Centrifugo", main),
    "/api/info": httpProbe(srv.url, "/api/info", "{}"),
    "legacy /api": httpProbe(srv.url, "/api", '{"method":"info","params":{}}'),
  };
  for (const protocol of connectProtocols) {
    out[`${protocol}, main port`] = connectProbe(CentrifugoApi, protocol, srv.url);
    out[`${protocol} v2 service, main port`] = connectProbe(Centrifugo, protocol, srv.url);
  }
  if (srv.grpcPort !== undefined) {
    const grpcPort = `127.0.0.1:${srv.grpcPort}`;
    out["grpc-js, gRPC port"] = grpcJsProbe(apiProto, apiService, grpcPort);
    out["grpc-js v2 service, gRPC port"] = grpcJsProbe("api/api.proto", "api.Centrifugo", grpcPort);
    out["connect-node grpc, gRPC port"] = connectProbe(CentrifugoApi, "grpc", `http://${grpcPort}`);
  }
  return out;
}

const refusals: Record<string, { code: string; message: string }> = {
  grpc: { code: "UNAUTHENTICATED", message: unauthenticatedMessage },
  connect: { code: "Unauthenticated", message: unauthenticatedMessage },
  http: { code: "401", message: unauthorizedHttpMessage },
};

function expectedRefusal(surface: string) {
  if (surface.startsWith("grpc-js")) return refusals.grpc;
  return surface.startsWith("/api") || surface.startsWith("legacy") ? refusals.http : refusals.connect;
}

describe("a key on every surface", () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({ grpc_api: true });
  });
  after(() => srv.close());

  for (const [credentials, key] of [
    ["no key", undefined],
    ["a wrong key", "wrong"],
  ] as const) {
    test(`${credentials} is refused everywhere with a message saying how to pass the key`, async () => {
      for (const [surface, probe] of Object.entries(probes(srv))) {
        assert.deepEqual(await probe(key), expectedRefusal(surface), surface);
      }
    });
  }

  test("the right key passes everywhere", async () => {
    for (const [surface, probe] of Object.entries(probes(srv))) {
      assert.equal(await probe(srv.apiKey), "ok", surface);
    }
  });

  test("a Connect JSON refusal is HTTP 401 with the error as JSON", async () => {
    const res = await fetch(`${srv.url}/${apiService}/Info`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), { code: "unauthenticated", message: unauthenticatedMessage });
  });
});

/** Which surfaces answer without a key, by port. */
async function openWithoutKey(srv: TestServer): Promise<{ main: boolean[]; grpc: boolean[] }> {
  const main: boolean[] = [];
  const grpcPort: boolean[] = [];
  for (const [surface, probe] of Object.entries(probes(srv))) {
    (surface.endsWith("gRPC port") ? grpcPort : main).push((await probe(undefined)) === "ok");
  }
  return { main, grpc: grpcPort };
}

const all = (values: boolean[], expected: boolean) =>
  values.length > 0 && values.every((v) => v === expected);

test("http_api.insecure opens the main port only; the gRPC port keeps requiring a key", async () => {
  const srv = await startTestServer({ http_api: { insecure: true }, grpc_api: true });
  try {
    const open = await openWithoutKey(srv);
    assert.ok(all(open.main, true), JSON.stringify(open));
    assert.ok(all(open.grpc, false), JSON.stringify(open));
  } finally {
    await srv.close();
  }
});

test("grpc_api.insecure opens the gRPC port only; the main port keeps requiring a key", async () => {
  const srv = await startTestServer({ grpc_api: { enabled: true, insecure: true } });
  try {
    const open = await openWithoutKey(srv);
    assert.ok(all(open.main, false), JSON.stringify(open));
    assert.ok(all(open.grpc, true), JSON.stringify(open));
  } finally {
    await srv.close();
  }
});

test("the --api_insecure flag opens both ports of the rotor command", async () => {
  const [port, grpcPort] = [await freePort(), await freePort()];
  const cli = await startCli(
    ["--api_insecure", "--grpc_api", "--grpc_api_port", String(grpcPort), "--port", String(port)],
    [port, grpcPort],
  );
  try {
    const srv = { url: `http://127.0.0.1:${port}`, port, grpcPort } as TestServer;
    const open = await openWithoutKey(srv);
    assert.ok(all(open.main, true) && all(open.grpc, true), `${JSON.stringify(open)}\n${cli.output()}`);
  } finally {
    await cli.stop();
  }
});
