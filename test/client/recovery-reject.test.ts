import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { httpApi } from "../helpers/api-clients.js";
import { clientProtocols } from "../helpers/centrifuge-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { rawClient } from "./raw-websocket.js";

/** SubscribeRequest.flag bit 2: answer 112 instead of `recovered: false`. */
const rejectUnrecovered = 2;

let srv: TestServer;
before(async () => {
  srv = await startTestServer({
    client: { insecure: true },
    channel: { namespaces: [{ name: "short", history_size: 2, history_ttl: "300s", force_recovery: true }] },
  });
});
after(() => srv.close());

async function publish(channel: string, n: number): Promise<{ offset: number; epoch: string }> {
  let last = { offset: 0, epoch: "" };
  for (let i = 1; i <= n; i++) {
    const res = await httpApi(srv.url, "publish", { channel, data: { i } }, { "X-API-Key": srv.apiKey });
    last = (res.body as { result: typeof last }).result;
  }
  return last;
}

for (const protocol of clientProtocols) {
  describe(`subscribe with the reject-unrecovered flag over ${protocol}`, () => {
    const subscribe = async (channel: string, offset: number, epoch: string) => {
      const client = await rawClient(srv.url, protocol);
      client.send(
        { id: 1, connect: {} },
        { id: 2, subscribe: { channel, recover: true, offset, epoch, flag: rejectUnrecovered } },
      );
      const reply = await client.reply(2);
      client.close();
      return reply;
    };

    test("a position history no longer covers is refused with 112", async () => {
      const channel = `short:gone-${protocol}`;
      const top = await publish(channel, 5);
      assert.deepEqual(await subscribe(channel, 1, top.epoch), {
        id: 2,
        error: { code: 112, message: "unrecoverable position" },
      });
    });

    test("a position from another epoch is refused with 112", async () => {
      const channel = `short:epoch-${protocol}`;
      await publish(channel, 1);
      const reply = await subscribe(channel, 1, "_");
      assert.deepEqual(reply.error, { code: 112, message: "unrecoverable position" });
    });

    test("a position history still covers recovers as usual", async () => {
      const channel = `short:kept-${protocol}`;
      const top = await publish(channel, 3);
      const reply = await subscribe(channel, 2, top.epoch);
      const result = reply.subscribe as Record<string, unknown>;
      assert.equal(reply.error, undefined);
      assert.equal(result.recovered, true);
      assert.equal(result.was_recovering, true);
      assert.equal((result.publications as unknown[]).length, 1);
    });
  });
}
