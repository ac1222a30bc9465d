import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Centrifugo } from "../../gen/api/api_pb.js";
import { connectClient, connectProtocols, grpcJsCall, grpcJsClient } from "../helpers/api-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let srv: TestServer;
let grpcJs: ReturnType<typeof grpcJsClient>;

before(async () => {
  srv = await startTestServer({
    grpc_api: { enabled: true, error_mode: "transport" },
    http_api: { error_mode: "transport" },
  });
  grpcJs = grpcJsClient("api/api.proto", "api.Centrifugo", `127.0.0.1:${srv.grpcPort}`);
});

after(async () => {
  grpcJs.close();
  await srv.close();
});

test("v2 errors stay in the body even in the transport error mode", async () => {
  const auth = { authorization: `apikey ${srv.apiKey}` };
  for (const metadata of [auth, { ...auth, "x-centrifugo-error-mode": "transport" }]) {
    const res = await grpcJsCall(grpcJs, "Publish", { channel: "", data: Buffer.from("{}") }, metadata);
    assert.deepEqual(res.error, { code: 107, message: "bad request" });
  }
  for (const protocol of connectProtocols) {
    const res = await connectClient(Centrifugo, protocol, srv.url, srv.apiKey).rPC({ method: "x" });
    assert.deepEqual([res.error?.code, res.error?.message], [104, "method not found"], protocol);
  }
});
