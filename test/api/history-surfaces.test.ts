import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { type ApiSurface, apiSurfaces } from "./api-surfaces.js";

let srv: TestServer;
let surfaces: ApiSurface[];
let closeSurfaces: () => void;

before(async () => {
  srv = await startTestServer({
    channel: { namespaces: [{ name: "short", history_size: 3, history_ttl: "300s" }] },
  });
  ({ surfaces, close: closeSurfaces } = apiSurfaces(srv));
});
after(async () => {
  closeSurfaces();
  await srv.close();
});

// biome-ignore lint/suspicious/noExplicitAny: protobuf JSON of any response
type Json = any;

const payload = (n: number) => Buffer.from(JSON.stringify({ n })).toString("base64");
const offsets = (history: Json) => history.result.publications.map((p: Json) => Number(p.offset));

/** The protobuf surfaces: the HTTP JSON ones have their own history tests. */
const protobufSurfaces = () => surfaces.filter((s) => s.name !== "http-json");

describe("history over gRPC, gRPC-Web and Connect", () => {
  test("a stream of size 3 keeps the last 3 of 5 publications, oldest first, in one epoch", async () => {
    for (const surface of protobufSurfaces()) {
      const channel = `short:last3-${surface.name}`;
      const epochs = new Set<string>();
      for (let n = 1; n <= 5; n++) {
        const res = (await surface.call("Publish", { channel, data: { n } })) as Json;
        assert.equal(res.result.offset, String(n), surface.name);
        epochs.add(res.result.epoch);
      }
      const history = (await surface.call("History", { channel, limit: -1 })) as Json;
      epochs.add(history.result.epoch);
      assert.equal(epochs.size, 1, `${surface.name}: one epoch`);
      assert.deepEqual(
        history.result.publications,
        [3, 4, 5].map((n) => ({ data: payload(n), offset: String(n) })),
        surface.name,
      );
      assert.equal(history.result.offset, "5", surface.name);
    }
  });

  test("since a trimmed position answers what is kept, so the gap shows; since another epoch is 112", async () => {
    for (const surface of protobufSurfaces()) {
      const channel = `short:trimmed-${surface.name}`;
      let epoch = "";
      for (let n = 1; n <= 5; n++) {
        epoch = ((await surface.call("Publish", { channel, data: { n } })) as Json).result.epoch;
      }
      const trimmed = await surface.call("History", { channel, limit: -1, since: { offset: 1, epoch } });
      assert.deepEqual(offsets(trimmed), [3, 4, 5], `${surface.name}: offset 2 is gone, 3 follows`);
      const fromKept = await surface.call("History", { channel, limit: 2, since: { offset: 3, epoch } });
      assert.deepEqual(offsets(fromKept), [4, 5], surface.name);
      const reversed = await surface.call("History", {
        channel,
        limit: -1,
        reverse: true,
        since: { offset: 5, epoch },
      });
      assert.deepEqual(offsets(reversed), [4, 3], surface.name);
      const foreign = await surface.call("History", { channel, limit: -1, since: { offset: 4, epoch: "x" } });
      assert.deepEqual(foreign, { error: { code: 112, message: "unrecoverable position" } }, surface.name);
    }
  });

  test("publish with the same idempotency_key twice stores one publication and answers the same position", async () => {
    for (const surface of protobufSurfaces()) {
      const channel = `short:idem-${surface.name}`;
      const request = { channel, data: { once: true }, idempotency_key: `key-${surface.name}` };
      const first = (await surface.call("Publish", request)) as Json;
      const second = (await surface.call("Publish", request)) as Json;
      assert.deepEqual(second, first, surface.name);
      const history = await surface.call("History", { channel, limit: -1 });
      assert.deepEqual(offsets(history), [1], surface.name);
    }
  });
});
