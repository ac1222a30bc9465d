import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { fromBinary } from "@bufbuild/protobuf";
import {
  FileDescriptorProtoSchema,
  file_google_protobuf_api,
  file_google_protobuf_cpp_features,
} from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  type ServerReflectionRequest,
  type ServerReflectionResponse,
  ServerReflection as ServerReflectionV1alpha,
} from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import {
  createReflectionSchema,
  type FileClosure,
  type NotFound,
} from "../../src/api/reflection/reflection-schema.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const buf = fileURLToPath(new URL("../../node_modules/.bin/buf", import.meta.url));
const api = "centrifugal.centrifugo.api.CentrifugoApi";
const apiFile = "centrifugal/centrifugo/api/api.proto";
const namespaces = { channel: { namespaces: [{ name: "chat" }] } };

/** buf keeps a cache under HOME: give it a private one. */
let bufHome: string;
before(async () => {
  bufHome = await mkdtemp(join(tmpdir(), "rotor-buf-"));
});
after(() => rm(bufHome, { recursive: true, force: true }));

/** Runs `buf curl` with only what reflection tells it (never `--schema`), resolving with its exit code. */
function bufCurl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, HOME: bufHome, BUF_CACHE_DIR: join(bufHome, "cache") };
  return new Promise((resolve) => {
    execFile(buf, ["curl", ...args], { env, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

function lines(stdout: string): string[] {
  return stdout.split("\n").filter(Boolean);
}

describe("reflection on the main port", () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer(namespaces);
  });
  after(() => srv.close());

  test("buf curl --list-services lists both APIs and reflection itself, without an API key", async () => {
    const out = await bufCurl("--list-services", srv.url);
    assert.equal(out.code, 0, out.stderr);
    for (const service of [
      api,
      "api.Centrifugo",
      "grpc.reflection.v1.ServerReflection",
      "grpc.reflection.v1alpha.ServerReflection",
    ]) {
      assert.ok(lines(out.stdout).includes(service), `${service} in ${out.stdout}`);
    }
  });

  test("buf curl --list-methods lists the API methods", async () => {
    const out = await bufCurl("--list-methods", srv.url);
    assert.equal(out.code, 0, out.stderr);
    for (const method of [`${api}/Publish`, `${api}/Info`, "api.Centrifugo/Publish"]) {
      assert.ok(lines(out.stdout).includes(method), `${method} in ${out.stdout}`);
    }
  });

  test("buf curl over v1alpha reflection lists the same services", async () => {
    const out = await bufCurl("--reflect-protocol", "grpc-v1alpha", "--list-services", srv.url);
    assert.equal(out.code, 0, out.stderr);
    assert.ok(lines(out.stdout).includes(api), out.stdout);
  });

  for (const protocol of ["grpc", "grpcweb", "connect"]) {
    test(`buf curl without --schema calls Info and Publish over ${protocol}`, async () => {
      const call = (method: string, body: string) =>
        bufCurl(
          "--protocol",
          protocol,
          "-H",
          `authorization: apikey ${srv.apiKey}`,
          "-d",
          body,
          `${srv.url}/${api}/${method}`,
        );
      const info = await call("Info", "{}");
      assert.equal(info.code, 0, info.stderr);
      assert.ok(JSON.parse(info.stdout).result.nodes.length >= 1, info.stdout);
      const publish = await call("Publish", '{"channel":"chat:x","data":"eyJ4IjoxfQ=="}');
      assert.equal(publish.code, 0, publish.stderr);
      const body = JSON.parse(publish.stdout);
      assert.ok(body.result !== undefined && body.error === undefined, publish.stdout);
    });
  }
});

describe("reflection on the gRPC API port", () => {
  test("is served by default", async () => {
    const srv = await startTestServer({ ...namespaces, grpc_api: true });
    try {
      const out = await bufCurl("--list-services", `http://127.0.0.1:${srv.grpcPort}`);
      assert.equal(out.code, 0, out.stderr);
      assert.ok(lines(out.stdout).includes(api), out.stdout);
    } finally {
      await srv.close();
    }
  });

  test("is off with grpc_api.reflection false, while the main port keeps it", async () => {
    const srv = await startTestServer({ ...namespaces, grpc_api: { enabled: true, reflection: false } });
    try {
      const off = await bufCurl("--list-services", `http://127.0.0.1:${srv.grpcPort}`);
      assert.notEqual(off.code, 0, off.stdout);
      const main = await bufCurl("--list-services", srv.url);
      assert.equal(main.code, 0, main.stderr);
    } finally {
      await srv.close();
    }
  });
});

describe("v1alpha ServerReflectionInfo over connect-node gRPC", () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer(namespaces);
  });
  after(() => srv.close());

  type Question = ServerReflectionRequest["messageRequest"];
  const client = () => createClient(ServerReflectionV1alpha, createGrpcTransport({ baseUrl: srv.url }));

  /** Sends all questions on one stream and collects the answers. */
  async function ask(questions: Question[]): Promise<ServerReflectionResponse[]> {
    async function* requests() {
      for (const messageRequest of questions) yield { host: "rotor.test", messageRequest };
    }
    const responses: ServerReflectionResponse[] = [];
    for await (const response of client().serverReflectionInfo(requests())) responses.push(response);
    return responses;
  }

  function firstFileName(response: ServerReflectionResponse): string | undefined {
    const answer = response.messageResponse;
    if (answer.case !== "fileDescriptorResponse") return undefined;
    return fromBinary(FileDescriptorProtoSchema, answer.value.fileDescriptorProto[0]!).name;
  }

  const found: [string, Question, string][] = [
    ["a service", { case: "fileContainingSymbol", value: api }, apiFile],
    ["a method", { case: "fileContainingSymbol", value: `${api}.Publish` }, apiFile],
    [
      "a message",
      { case: "fileContainingSymbol", value: "centrifugal.centrifugo.api.PublishRequest" },
      apiFile,
    ],
    [
      "a nested message",
      { case: "fileContainingSymbol", value: "centrifugal.centrifugo.api.PublishRequest.TagsEntry" },
      apiFile,
    ],
    [
      "a field",
      { case: "fileContainingSymbol", value: "centrifugal.centrifugo.api.PublishRequest.channel" },
      apiFile,
    ],
    ["an enum", { case: "fileContainingSymbol", value: "api.MethodType" }, "api/api.proto"],
    [
      "an enum value, scoped beside its enum",
      { case: "fileContainingSymbol", value: "api.PUBLISH" },
      "api/api.proto",
    ],
    ["a file", { case: "fileByFilename", value: apiFile }, apiFile],
    [
      "reflection itself",
      { case: "fileContainingSymbol", value: "grpc.reflection.v1alpha.ServerReflection" },
      "grpc/reflection/v1alpha/reflection.proto",
    ],
  ];

  test("file_containing_symbol and file_by_filename answer the file first, echoing host and request", async () => {
    const responses = await ask(found.map(([, question]) => question));
    assert.equal(responses.length, found.length);
    found.forEach(([what, question, file], i) => {
      const response = responses[i]!;
      assert.equal(firstFileName(response), file, what);
      assert.equal(response.validHost, "rotor.test", what);
      assert.deepEqual(response.originalRequest?.messageRequest, question, what);
    });
  });

  const notFound: [string, Question, string][] = [
    ["an unknown symbol", { case: "fileContainingSymbol", value: "no.such.Thing" }, "no.such.Thing"],
    ["an unknown file", { case: "fileByFilename", value: "no/such.proto" }, "no/such.proto"],
    [
      "an extension (rotor has none)",
      {
        case: "fileContainingExtension",
        value: {
          $typeName: "grpc.reflection.v1alpha.ExtensionRequest",
          containingType: "api.Command",
          extensionNumber: 100,
        },
      },
      "100",
    ],
    ["extensions of an unknown type", { case: "allExtensionNumbersOfType", value: "no.Such" }, "no.Such"],
  ];

  test("unknown symbols, files and extensions answer NOT_FOUND and keep the stream open", async () => {
    const responses = await ask([
      ...notFound.map(([, question]) => question),
      { case: "listServices", value: "" },
    ]);
    notFound.forEach(([what, , named], i) => {
      const answer = responses[i]!.messageResponse;
      assert.equal(answer.case, "errorResponse", what);
      assert.equal(answer.value.errorCode, Code.NotFound, what);
      assert.match(answer.value.errorMessage, new RegExp(named.replaceAll(".", "\\.")), what);
    });
    assert.equal(responses.at(-1)!.messageResponse.case, "listServicesResponse");
  });

  test("all_extension_numbers_of_type of a known message is an empty list", async () => {
    const [response] = await ask([{ case: "allExtensionNumbersOfType", value: "api.Command" }]);
    const answer = response!.messageResponse;
    assert.ok(answer.case === "allExtensionNumbersResponse", answer.case);
    assert.equal(answer.value.baseTypeName, "api.Command");
    assert.deepEqual(answer.value.extensionNumber, []);
  });

  test("a request that asks nothing ends the stream with INVALID_ARGUMENT", async () => {
    await assert.rejects(ask([{ case: undefined }]), (error: unknown) => {
      assert.equal(ConnectError.from(error).code, Code.InvalidArgument);
      return true;
    });
  });
});

describe("reflection schema of files with nested types, extensions and imports", () => {
  const schema = createReflectionSchema([file_google_protobuf_cpp_features, file_google_protobuf_api]);
  const names = (result: FileClosure | NotFound) =>
    "notFound" in result ? result : result.files.map((b) => fromBinary(FileDescriptorProtoSchema, b).name);
  const descriptor = "google/protobuf/descriptor.proto";
  const cpp = "google/protobuf/cpp_features.proto";

  const symbols: [string, string, string[]][] = [
    ["a nested message", "google.protobuf.DescriptorProto.ExtensionRange", [descriptor]],
    ["a nested enum", "google.protobuf.FieldDescriptorProto.Type", [descriptor]],
    ["an enum value scoped in its message", "google.protobuf.FieldDescriptorProto.TYPE_STRING", [descriptor]],
    ["an extension", "pb.cpp", [cpp, descriptor]],
  ];
  for (const [what, symbol, files] of symbols) {
    test(`file_containing_symbol finds ${what} with its imports`, () => {
      assert.deepEqual(names(schema.fileContainingSymbol(symbol)), files);
    });
  }

  test("a file comes first, then each of its transitive imports once", () => {
    const files = names(schema.fileByFilename("google/protobuf/api.proto"));
    assert.ok(Array.isArray(files));
    assert.equal(files[0], "google/protobuf/api.proto");
    assert.deepEqual(
      [...files].sort(),
      ["any", "api", "source_context", "type"].map((n) => `google/protobuf/${n}.proto`),
    );
  });

  test("extensions are found by extendee and number, and listed", () => {
    assert.deepEqual(names(schema.fileContainingExtension("google.protobuf.FeatureSet", 1000)), [
      cpp,
      descriptor,
    ]);
    assert.deepEqual(schema.extensionNumbers("google.protobuf.FeatureSet"), { numbers: [1000] });
    assert.deepEqual(schema.fileContainingExtension("google.protobuf.FeatureSet", 7), {
      notFound: "extension not found: 7 of message type google.protobuf.FeatureSet",
    });
  });

  test("only services of the given files are listed", () => {
    assert.deepEqual(schema.services, []);
  });
});
