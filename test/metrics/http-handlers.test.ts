import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CentrifugoApi } from "../../gen/centrifugal/centrifugo/api/api_pb.js";
import { type ConnectProtocol, connectClient } from "../helpers/api-clients.js";
import { sample, scrape } from "../helpers/prometheus.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ prometheus: { enabled: true, instrument_http_handlers: true } });
});
after(() => srv?.close());

test("with instrument_http_handlers, server API calls over every binary protocol are counted by path", async () => {
  const protocols: ConnectProtocol[] = ["grpc", "grpc-web", "connect-json", "connect-binary"];
  for (const protocol of protocols) {
    const api = connectClient(CentrifugoApi, protocol, srv.url, srv.apiKey);
    for (let i = 0; i < 2; i++) {
      const reply = await api.publish({ channel: "news", data: new TextEncoder().encode("{}") });
      assert.equal(reply.error, undefined);
    }
  }
  const samples = await scrape(`${srv.url}/metrics`);
  const count = sample(samples, "centrifugo_node_incoming_http_requests_total", {
    method: "POST",
    path: "/centrifugal.centrifugo.api.CentrifugoApi/Publish",
    status: "200",
  });
  assert.equal(count, protocols.length * 2);
});
