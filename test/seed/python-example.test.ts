import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { unauthenticatedMessage } from "../../src/api/api-key.js";
import { type CliProcess, freePort, startCli } from "../helpers/cli-process.js";

const run = promisify(execFile);
const apiProto = fileURLToPath(new URL("../../proto/api/api.proto", import.meta.url));

/** The Python example of Centrifugo v2's docs (docs/content/server/grpc_api.md), verbatim. */
const seedExample = `import grpc
import api_pb2_grpc as api_grpc
import api_pb2 as api_pb

channel = grpc.insecure_channel('localhost:10000')
stub = api_grpc.CentrifugoStub(channel)

try:
    resp = stub.Info(api_pb.InfoRequest())
except grpc.RpcError as err:
    # GRPC level error.
    print(err.code(), err.details())
else:
    if resp.error.code:
        # Centrifugo server level error.
        print(resp.error.code, resp.error.message)
    else:
        print(resp.result)
`;

const key = "seed-example-key";
let dir: string;
const servers: CliProcess[] = [];

/** The example with only its port changed, written to `<dir>/<name>` next to the generated code. */
async function example(name: string, grpcPort: number, withKey = false): Promise<string> {
  let source = seedExample.replace("localhost:10000", `localhost:${grpcPort}`);
  if (withKey) {
    source = source.replace(
      "stub.Info(api_pb.InfoRequest())",
      `stub.Info(api_pb.InfoRequest(), metadata=(('authorization', 'apikey ${key}'),))`,
    );
  }
  await writeFile(join(dir, name), source);
  return name;
}

/** Starts the rotor CLI with a seed-era config file; answers its main and gRPC ports. */
async function startSeedServer(extra: Record<string, unknown>): Promise<{ port: number; grpcPort: number }> {
  const [port, grpcPort] = [await freePort(), await freePort()];
  const config = { grpc_api: true, grpc_api_port: grpcPort, port: String(port), ...extra };
  const file = join(dir, `config-${grpcPort}.json`);
  await writeFile(file, JSON.stringify(config));
  servers.push(await startCli(["--config", file], [port, grpcPort]));
  return { port, grpcPort };
}

async function python(script: string): Promise<string> {
  const { stdout } = await run("/usr/bin/python3", [script], { cwd: dir, timeout: 30_000 });
  return stdout;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "rotor-seed-python-"));
  await copyFile(apiProto, join(dir, "api.proto"));
  await run(
    "protoc",
    [
      "-I.",
      "--python_out=.",
      "--grpc_out=.",
      "--plugin=protoc-gen-grpc=/usr/bin/grpc_python_plugin",
      "api.proto",
    ],
    { cwd: dir },
  );
});

after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await rm(dir, { recursive: true, force: true });
});

test("the seed's Python example prints the Info result of rotor started with a seed-era config", async () => {
  // Centrifugo v2's gRPC API had no key; rotor fails closed, so `api_insecure` is what opens it here.
  const { port, grpcPort } = await startSeedServer({ api_insecure: true });
  const printed = await python(await example("example.py", grpcPort));
  assert.match(printed, /^nodes \{$/m);
  assert.match(printed, /^ {2}uid: "[0-9a-f-]{36}"$/m);
  assert.match(printed, new RegExp(`^ {2}name: "${hostname()}_${port}"$`, "m"));
  assert.match(printed, /^ {2}version: "\d+\.\d+\.\d+"$/m);
});

test("with a gRPC API key the example succeeds only when it sends 'authorization: apikey KEY'", async () => {
  const { port, grpcPort } = await startSeedServer({ grpc_api_key: key });
  const withKey = await python(await example("example_with_key.py", grpcPort, true));
  assert.match(withKey, /^nodes \{$/m);
  assert.match(withKey, new RegExp(`^ {2}name: "${hostname()}_${port}"$`, "m"));
  const withoutKey = await python(await example("example_without_key.py", grpcPort));
  assert.equal(withoutKey.trim(), `StatusCode.UNAUTHENTICATED ${unauthenticatedMessage}`);
});
