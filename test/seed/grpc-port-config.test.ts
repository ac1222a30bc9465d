import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { grpcJsCall, grpcJsClient } from "../helpers/api-clients.js";
import { type CliProcess, freePort, startCli } from "../helpers/cli-process.js";

const key = "grpc-port-key";
let dir: string;
const cleanups: (() => Promise<void> | void)[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "rotor-grpc-port-"));
});

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await rm(dir, { recursive: true, force: true });
});

/** Starts the CLI with a config file holding `config` (when given) plus `flags`. */
async function cli(flags: string[], ports: number[], config?: unknown): Promise<CliProcess> {
  const args = [...flags];
  if (config !== undefined) {
    const file = join(dir, `config-${ports.join("-")}.json`);
    await writeFile(file, JSON.stringify(config));
    args.push("--config", file);
  }
  const rotor = await startCli(args, ports);
  cleanups.push(() => rotor.stop());
  return rotor;
}

/** v2 Info on the dedicated gRPC port, with `authorization: apikey <key>` when a key is given. */
async function info(grpcPort: number, apiKey?: string): Promise<{ result: { nodes: { name: string }[] } }> {
  const client = grpcJsClient("api/api.proto", "api.Centrifugo", `127.0.0.1:${grpcPort}`);
  cleanups.push(() => client.close());
  return grpcJsCall(client, "Info", {}, apiKey === undefined ? {} : { authorization: `apikey ${apiKey}` });
}

async function assertUnauthenticated(call: Promise<unknown>): Promise<void> {
  await assert.rejects(call, (err: grpc.ServiceError) => {
    assert.equal(err.code, grpc.status.UNAUTHENTICATED);
    assert.match(err.details, /apikey <KEY>/);
    return true;
  });
}

test("CLI flags --grpc_api --grpc_api_port open the gRPC port", async () => {
  const [port, grpcPort] = [await freePort(), await freePort()];
  await cli(
    ["--port", String(port), "--grpc_api", "--grpc_api_port", String(grpcPort), "--api_key", key],
    [port, grpcPort],
  );
  const res = await info(grpcPort, key);
  assert.equal(res.result.nodes[0]?.name, `${hostname()}_${port}`);
  await assertUnauthenticated(info(grpcPort));
});

test('seed config keys "grpc_api": true and "grpc_api_port" open the gRPC port', async () => {
  const [port, grpcPort] = [await freePort(), await freePort()];
  await cli([], [port, grpcPort], {
    port: String(port),
    grpc_api: true,
    grpc_api_port: grpcPort,
    grpc_api_key: key,
  });
  const res = await info(grpcPort, key);
  assert.equal(res.result.nodes[0]?.name, `${hostname()}_${port}`);
});

test("v6 nested grpc_api {enabled, port, key} opens the gRPC port and requires that key", async () => {
  const [port, grpcPort] = [await freePort(), await freePort()];
  await cli([], [port, grpcPort], {
    http_server: { port },
    http_api: { key: "another-key" },
    grpc_api: { enabled: true, port: grpcPort, key },
  });
  const res = await info(grpcPort, key);
  assert.equal(res.result.nodes[0]?.name, `${hostname()}_${port}`);
  await assertUnauthenticated(info(grpcPort));
  await assertUnauthenticated(info(grpcPort, "another-key"));
});
