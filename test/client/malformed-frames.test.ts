import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { httpApi } from "../helpers/api-clients.js";
import {
  type ClientProtocol,
  centrifugeClient,
  collectPublications,
  subscribed,
} from "../helpers/centrifuge-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { type RawClient, rawClient } from "./raw-websocket.js";

const sizeLimit = 4096;
const badRequest = { code: 3501, reason: "bad request" };
const tooBig = { code: 1009, reason: "" };

let srv: TestServer;
before(async () => {
  srv = await startTestServer({
    client: { insecure: true },
    websocket: { message_size_limit: sizeLimit },
    channel: {
      namespaces: [{ name: "feed", history_size: 1000, history_ttl: "300s", force_recovery: true }],
    },
  });
});
after(() => srv.close());

interface Case {
  readonly name: string;
  readonly protocol: ClientProtocol;
  /** Sends what breaks the protocol, after `connect` first when `connectFirst`. */
  readonly send: (c: RawClient) => void;
  readonly connectFirst?: boolean;
  readonly expect: { code: number; reason: string };
}

const json = (c: RawClient, text: string) => c.sendRaw(text);
const bytes = (c: RawClient, b: number[]) => c.sendRaw(Buffer.from(b));

const cases: Case[] = [
  { name: "bad JSON", protocol: "json", send: (c) => json(c, '{"connect":'), expect: badRequest },
  { name: "JSON that is not an object", protocol: "json", send: (c) => json(c, "[1,2]"), expect: badRequest },
  {
    name: "a wrongly typed field",
    protocol: "json",
    send: (c) => json(c, '{"id":"x","connect":{}}'),
    expect: badRequest,
  },
  {
    name: "an empty line between commands",
    protocol: "json",
    send: (c) => json(c, '{"id":1,"connect":{}}\n\n{}'),
    expect: badRequest,
  },
  {
    name: "a command before connect",
    protocol: "json",
    send: (c) => json(c, '{"id":1,"presence":{"channel":"feed:x"}}'),
    expect: badRequest,
  },
  {
    name: "an unknown command",
    protocol: "json",
    connectFirst: true,
    send: (c) => json(c, '{"id":2,"teleport":{}}'),
    expect: badRequest,
  },
  {
    name: "a second connect",
    protocol: "json",
    connectFirst: true,
    send: (c) => json(c, '{"id":2,"connect":{}}'),
    expect: badRequest,
  },
  {
    name: "a pong nobody asked for",
    protocol: "json",
    connectFirst: true,
    send: (c) => json(c, "{}"),
    expect: badRequest,
  },
  {
    name: "a command without id",
    protocol: "json",
    connectFirst: true,
    send: (c) => json(c, '{"history":{"channel":"feed:x"}}'),
    expect: badRequest,
  },
  {
    name: "a subscribe without channel",
    protocol: "json",
    connectFirst: true,
    send: (c) => json(c, '{"id":2,"subscribe":{}}'),
    expect: badRequest,
  },
  {
    name: "an oversized JSON frame",
    protocol: "json",
    send: (c) => json(c, `{"id":1,"connect":{"data":"${"x".repeat(sizeLimit)}"}}`),
    expect: tooBig,
  },
  {
    name: "a send without message handler",
    protocol: "json",
    connectFirst: true,
    send: (c) => json(c, '{"send":{"data":{}}}'),
    expect: { code: 3508, reason: "not available" },
  },
  {
    name: "truncated protobuf",
    protocol: "protobuf",
    send: (c) => bytes(c, [10, 0x22, 0x02, 0x0a]),
    expect: badRequest,
  },
  {
    name: "a protobuf length prefix that never ends",
    protocol: "protobuf",
    send: (c) => bytes(c, [0xff, 0xff, 0xff]),
    expect: badRequest,
  },
  {
    name: "protobuf garbage",
    protocol: "protobuf",
    send: (c) => bytes(c, [4, 0x08, 0xff, 0xff, 0xff]),
    expect: badRequest,
  },
  {
    name: "an empty protobuf frame",
    protocol: "protobuf",
    send: (c) => c.sendRaw(Buffer.alloc(0)),
    expect: badRequest,
  },
  {
    name: "an unknown protobuf command",
    protocol: "protobuf",
    connectFirst: true,
    send: (c) => bytes(c, [5, 0x08, 0x02, 0xf0, 0x01, 0x01]),
    expect: badRequest,
  },
  {
    name: "an oversized protobuf frame",
    protocol: "protobuf",
    send: (c) => c.sendRaw(Buffer.alloc(sizeLimit + 1, 1)),
    expect: tooBig,
  },
];

async function runCase(c: Case): Promise<{ code: number; reason: string }> {
  const client = await rawClient(srv.url, c.protocol);
  if (c.connectFirst) {
    client.send({ id: 1, connect: {} });
    await client.reply(1);
  }
  c.send(client);
  return client.closed;
}

test("500 malformed frames each close with their code while a subscriber keeps receiving and the API answers", async () => {
  const channel = "feed:steady";
  const watcher = centrifugeClient(srv.url, "protobuf");
  try {
    const { sub } = await subscribed(watcher, channel);
    const pubs = collectPublications(sub);
    const total = 500;
    const concurrency = 20;
    const outcomes: string[] = [];
    let published = 0;
    let next = 0;
    const worker = async () => {
      while (next < total) {
        const c = cases[next++ % cases.length]!;
        const got = await runCase(c);
        assert.deepEqual(got, c.expect, `${c.name} over ${c.protocol}`);
        outcomes.push(c.name);
        if (outcomes.length % 25 === 0) {
          published += 1;
          const res = await httpApi(
            srv.url,
            "publish",
            { channel, data: { n: published } },
            { "X-API-Key": srv.apiKey },
          );
          assert.equal(res.status, 200);
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    assert.equal(outcomes.length, total);
    const got = await pubs.take(published);
    assert.deepEqual(
      got.map((p) => p.data),
      Array.from({ length: published }, (_, i) => ({ n: i + 1 })),
    );
    assert.equal(watcher.state, "connected");
    const info = await httpApi(srv.url, "info", {}, { "X-API-Key": srv.apiKey });
    const nodes = (info.body as { result: { nodes: { num_clients: number }[] } }).result.nodes;
    assert.equal(nodes.length, 1);
    assert.ok(nodes[0]!.num_clients >= 1);
  } finally {
    watcher.disconnect();
  }
});

for (const c of cases) {
  test(`${c.name} (${c.protocol}) closes with ${c.expect.code}`, async () => {
    assert.deepEqual(await runCase(c), c.expect);
  });
}
