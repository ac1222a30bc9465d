import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { HistoryRequestSchema, PublishRequestSchema } from "../../gen/centrifugal/centrifugo/api/api_pb.js";
import { grpcJsCall, grpcJsClient } from "../helpers/api-clients.js";
import { type CliProcess, freePort, startCli } from "../helpers/cli-process.js";
import { jsonCases } from "./malformed-json-cases.js";
import { type Case, envelope, grpcCodes, rawRequests } from "./raw-requests.js";

const key = "malformed-key";
const service = "/centrifugal.centrifugo.api.CentrifugoApi";
const tenMb = 10 * 1024 * 1024;

let cli: CliProcess;
let port: number;
let url: string;

before(async () => {
  port = await freePort();
  cli = await startCli(
    ["--port", String(port), "--address", "127.0.0.1", "--api_key", key, "--log_level", "error"],
    [port],
  );
  url = `http://127.0.0.1:${port}`;
});
after(() => cli.stop());

const publish = toBinary(
  PublishRequestSchema,
  create(PublishRequestSchema, { channel: "chat:x", data: new TextEncoder().encode('{"k":"value"}') }),
);
/** Cut points strictly inside a field (tag, length or content), never between fields. */
const fieldEnds = new Set([0, 8, publish.length]);
const cuts = Array.from({ length: publish.length }, (_, i) => i).filter((i) => !fieldEnds.has(i));
const badUtf8Channel = new Uint8Array([0x0a, 0x02, 0xff, 0xfe, 0x12, 0x02, 0x7b, 0x7d]);
const wrongWireType = new Uint8Array([0x08, 0x01, 0x12, 0x02, 0x7b, 0x7d]);
/** Invalid JSON that V8 reports by naming half of an emoji (a lone surrogate). */
const halfEmojiJson = Buffer.from(`{"channels":["a"],"x":${"😀".repeat(30)}`);
const hugeLimit = toBinary(HistoryRequestSchema, create(HistoryRequestSchema, { channel: "chat:x" }));

function cases(): Case[] {
  const { rawGrpc, rawGrpcWeb, rawHttp, oversizeHttp } = rawRequests(url, key);
  const out: Case[] = [];
  const grpcLike = [
    ["gRPC", rawGrpc],
    ["gRPC-Web", rawGrpcWeb],
  ] as const;
  for (const [surface, send] of grpcLike) {
    const at = (name: string, body: Uint8Array<ArrayBuffer>, code: number, message: RegExp) =>
      out.push({ name: `${surface}: ${name}`, send: () => send(`${service}/Publish`, body), code, message });
    for (const cut of cuts) {
      at(
        `protobuf cut at byte ${cut}`,
        envelope(0, cut, publish.subarray(0, cut)),
        grpcCodes.internal,
        /parse binary: premature EOF/,
      );
    }
    for (const extra of [1, 2, 7, 100, 4096]) {
      at(
        `length prefix ${extra} bytes too long`,
        envelope(0, publish.length + extra, publish),
        grpcCodes.invalidArgument,
        /incomplete envelope/,
      );
    }
    at("no body at all", new Uint8Array(), grpcCodes.unimplemented, /missing input message/);
    for (const size of [1, 2, 3, 4]) {
      at(
        `envelope header cut to ${size} bytes`,
        envelope(0, 0, new Uint8Array()).subarray(0, size),
        grpcCodes.invalidArgument,
        /incomplete envelope/,
      );
    }
    at(
      "length prefix over the size limit",
      envelope(0, 0x7fffffff, publish),
      grpcCodes.resourceExhausted,
      /larger than configured readMaxBytes 4194304/,
    );
    at(
      "compressed flag without grpc-encoding",
      envelope(1, publish.length, publish),
      grpcCodes.internal,
      /compressed envelope, but do not know how to decompress/,
    );
    at(
      "invalid UTF-8 in the channel",
      envelope(0, badUtf8Channel.length, badUtf8Channel),
      grpcCodes.internal,
      /not valid for encoding utf-8/,
    );
    at(
      "a string field sent as a varint",
      envelope(0, wrongWireType.length, wrongWireType),
      grpcCodes.internal,
      /parse binary/,
    );
    at(
      "a 10 MB message",
      envelope(0, tenMb, new Uint8Array(tenMb)),
      grpcCodes.resourceExhausted,
      /larger than configured readMaxBytes/,
    );
    out.push({
      name: `${surface}: an unknown method`,
      send: () => send(`${service}/NoSuchMethod`, envelope(0, 0, new Uint8Array())),
      code: grpcCodes.unimplemented,
      message:
        /unknown method: nothing is served at \/centrifugal.centrifugo.api.CentrifugoApi\/NoSuchMethod/,
    });
  }
  out.push(
    {
      name: "gRPC: a compressed flag on a body that is not gzip",
      send: () =>
        rawGrpc(`${service}/Publish`, envelope(1, publish.length, publish), { "grpc-encoding": "gzip" }),
      code: grpcCodes.invalidArgument,
      message: /decompression failed/,
    },
    {
      name: "gRPC JSON: invalid JSON whose error names half an emoji",
      send: () =>
        rawGrpc(`${service}/Broadcast`, envelope(0, halfEmojiJson.length, halfEmojiJson), {
          "content-type": "application/grpc+json",
        }),
      code: grpcCodes.invalidArgument,
      message: /cannot decode message from JSON: Unexpected token '\ufffd'.* is not valid JSON/,
    },
    {
      name: "gRPC-Web JSON: invalid JSON whose error names half an emoji",
      send: () =>
        rawGrpcWeb(
          `${service}/Broadcast`,
          envelope(0, halfEmojiJson.length, halfEmojiJson),
          "application/grpc-web+json",
        ),
      code: grpcCodes.invalidArgument,
      message: /cannot decode message from JSON: Unexpected token '\ufffd'.* is not valid JSON/,
    },
    {
      name: "gRPC: an unknown grpc-encoding",
      send: () =>
        rawGrpc(`${service}/Publish`, envelope(1, publish.length, publish), { "grpc-encoding": "snappy" }),
      code: grpcCodes.unimplemented,
      message: /snappy/,
    },
  );

  for (const cut of cuts) {
    out.push({
      name: `Connect binary: protobuf cut at byte ${cut}`,
      send: () => rawHttp(`${service}/Publish`, "application/proto", publish.subarray(0, cut)),
      code: 500,
      message: /"code":"internal","message":"parse binary: premature EOF"/,
    });
  }
  out.push({
    name: "Connect binary: invalid UTF-8 in the channel",
    send: () => rawHttp(`${service}/Publish`, "application/proto", badUtf8Channel),
    code: 500,
    message: /not valid for encoding utf-8/,
  });
  out.push({
    name: "Connect binary: a 10 MB message",
    send: () =>
      rawHttp(`${service}/History`, "application/proto", Buffer.concat([hugeLimit, new Uint8Array(tenMb)])),
    code: 429,
    message: /"code":"resource_exhausted".*larger than configured readMaxBytes 4194304/,
  });

  const syntaxErrors = new Set([
    '{"channel":"c"',
    '{"channel":"c",}',
    "{'channel':'c'}",
    '{"channel":"c"}}',
    '{"channel":"\\x"}',
    "nul",
  ]);
  for (const [method, route, body, connectMessage, httpMessage] of jsonCases) {
    out.push({
      name: `Connect JSON: ${method} ${body}`,
      send: () => rawHttp(`${service}/${method}`, "application/json", body),
      code: 400,
      message: new RegExp(`"code":"invalid_argument".*${connectMessage.source}`),
    });
    out.push({
      name: `/api/${route}: ${body}`,
      send: () => rawHttp(`/api/${route}`, "application/json", body),
      code: 400,
      message: new RegExp(`"code":107.*${httpMessage.source}`),
    });
    // The legacy stream fails as a whole (400) on a syntax error or a method it lacks, per command (107) otherwise.
    const whole = route === "batch" || syntaxErrors.has(body);
    out.push({
      name: `legacy /api: ${route} ${body}`,
      send: () => rawHttp("/api", "application/json", `{"method":"${route}","params":${body}}`),
      code: whole ? 400 : 200,
      message: whole
        ? /"code":107,"message":"bad request: command \d: /
        : /^\{"error":\{"code":107,"message":"bad request"\}\}$/,
    });
  }
  out.push(
    {
      name: "Connect JSON: a 10 MB string",
      send: () =>
        rawHttp(
          `${service}/Publish`,
          "application/json",
          JSON.stringify({ channel: "x", b64data: "a".repeat(tenMb) }),
        ),
      code: 429,
      message: /"code":"resource_exhausted".*readMaxBytes 4194304/,
    },
    {
      name: "/api/publish: a 10 MB string",
      send: () => oversizeHttp("/api/publish", '{"channel":"chat:x","data":"aaaa'),
      code: 413,
      message: /larger than the limit of 4194304 bytes/,
    },
    {
      name: "legacy /api: a 10 MB string",
      send: () => oversizeHttp("/api", '{"method":"publish","params":{"channel":"chat:x","data":"aaaa'),
      code: 413,
      message: /larger than the limit of 4194304 bytes/,
    },
    {
      name: "/api/publish: invalid UTF-8",
      send: () =>
        rawHttp(
          "/api/publish",
          "application/json",
          Buffer.concat([Buffer.from('{"channel":"x","data":"'), Buffer.from([0xff]), Buffer.from('"}')]),
        ),
      code: 400,
      message: /not valid UTF-8/,
    },
    {
      name: "legacy /api: invalid UTF-8",
      send: () =>
        rawHttp(
          "/api",
          "application/json",
          Buffer.concat([
            Buffer.from('{"method":"publish","params":{"channel":"x","data":"'),
            Buffer.from([0xc3]),
            Buffer.from('"}}'),
          ]),
        ),
      code: 400,
      message: /not valid UTF-8/,
    },
    {
      name: "/api/<method>: an unknown method",
      send: () => rawHttp("/api/no_such_method", "application/json", "{}"),
      code: 404,
      message: /there is no server API method \\"no_such_method\\"/,
    },
    {
      name: "legacy /api: an unknown method",
      send: () => rawHttp("/api", "application/json", '{"method":"no_such_method","params":{}}'),
      code: 400,
      message: /no_such_method/,
    },
    {
      name: "Connect JSON: an unknown method",
      send: () => rawHttp(`${service}/NoSuchMethod`, "application/json", "{}"),
      code: 404,
      message: /"code":"unimplemented","message":"unknown method: nothing is served at/,
    },
    {
      name: "Connect JSON: invalid JSON whose error names half an emoji",
      send: () => rawHttp(`${service}/Broadcast`, "application/json", halfEmojiJson),
      code: 400,
      message: /cannot decode message from JSON: Unexpected token '\ufffd'.* is not valid JSON/,
    },
    {
      name: "Connect: an unsupported content type",
      send: () => rawHttp(`${service}/Info`, "text/plain", "{}"),
      code: 415,
      message: /^$/,
    },
  );
  return out;
}

test("200 malformed requests over every surface each get a clear error, and rotor keeps answering", async () => {
  const all = cases();
  assert.ok(all.length >= 200, `${all.length} cases`);
  const wrong: string[] = [];
  for (const c of all) {
    const answer = await c.send().catch((err: Error) => ({ status: 0, message: `failed: ${err.message}` }));
    const code =
      "grpcStatus" in answer && answer.grpcStatus !== undefined ? answer.grpcStatus : answer.status;
    if (code !== c.code || !c.message.test(answer.message))
      wrong.push(`${c.name}: ${JSON.stringify(answer)}`);
  }
  assert.deepEqual(wrong, []);
  assert.equal(cli.child.exitCode, null, "the process is alive");
  assert.doesNotMatch(cli.output(), /URIError|TimeoutOverflowWarning/);
  const info = await rawRequests(url, key).rawHttp("/api/info", "application/json", "{}");
  assert.equal(info.status, 200);
  assert.match(info.message, /"nodes":\[\{"uid"/);
  const client = grpcJsClient(
    "centrifugal/centrifugo/api/api.proto",
    "centrifugal.centrifugo.api.CentrifugoApi",
    `127.0.0.1:${port}`,
  );
  try {
    const res = await grpcJsCall<{ result: { nodes: unknown[] } }>(
      client,
      "Info",
      {},
      { authorization: `apikey ${key}` },
    );
    assert.equal(res.result.nodes.length, 1);
  } finally {
    client.close();
  }
});
