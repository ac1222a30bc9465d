import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { CentrifugoApi } from "../../gen/centrifugal/centrifugo/api/api_pb.js";
import { connectClient, httpApi } from "../helpers/api-clients.js";
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "../helpers/otlp-receiver.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { waitUntil } from "../helpers/socket-states.js";

const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
const parentId = "00f067aa0ba902b7";
const traceparent = `00-${traceId}-${parentId}-01`;
const grpcName = (method: string) => `centrifugal.centrifugo.api.CentrifugoApi/${method}`;

/** Starts rotor exporting API spans to a receiver of `protocol`, with the exporter's settings in the environment. */
async function tracedServer(protocol: "http/protobuf" | "grpc") {
  const receiver = await startOtlpReceiver(protocol);
  Object.assign(process.env, {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
    OTEL_BSP_SCHEDULE_DELAY: "50",
    OTEL_SERVICE_NAME: "rotor-under-test",
  });
  const server = await startTestServer({
    opentelemetry: { enabled: true, api: true },
    channel: { namespaces: [{ name: "news" }] },
  });
  return { receiver, server };
}

async function spanNamed(receiver: OtlpReceiver, name: string, channel?: string): Promise<ReceivedSpan> {
  const find = () =>
    receiver.spans.find(
      (s) => s.name === name && (channel === undefined || s.attributes["centrifugo.channel"] === channel),
    );
  await waitUntil(() => find() !== undefined, `a span named ${name}`, 5000);
  return find()!;
}

for (const exportProtocol of ["http/protobuf", "grpc"] as const) {
  describe(`API tracing exported over OTLP ${exportProtocol}`, () => {
    let receiver: OtlpReceiver;
    let server: TestServer;
    before(async () => {
      ({ receiver, server } = await tracedServer(exportProtocol));
    });
    after(async () => {
      await server?.close();
      await receiver?.close();
    });

    test("an HTTP JSON call is a server span named by its route, child of the caller's traceparent", async () => {
      const res = await httpApi(
        server.url,
        "publish",
        { channel: "news:a", data: {} },
        {
          authorization: `apikey ${server.apiKey}`,
          traceparent,
        },
      );
      assert.equal(res.status, 200);
      const span = await spanNamed(receiver, "/api/publish", "news:a");
      assert.equal(span.traceId, traceId);
      assert.equal(span.parentSpanId, parentId);
      assert.equal(span.kind, 2, "SPAN_KIND_SERVER");
      assert.equal(span.attributes["http.request.method"], "POST");
      assert.equal(span.attributes["http.response.status_code"], 200);
      assert.equal(span.status.code, 0);
      assert.equal(span.resource["service.name"], "rotor-under-test");
      assert.equal(span.resource["service.instance.id"], server.server.node.id);
    });

    test("an API error marks the span failed with its code", async () => {
      await httpApi(
        server.url,
        "publish",
        { channel: "nowhere:a", data: {} },
        { authorization: `apikey ${server.apiKey}` },
      );
      const span = await spanNamed(receiver, "/api/publish", "nowhere:a");
      assert.equal(span.status.code, 2, "STATUS_CODE_ERROR");
      assert.equal(span.attributes["centrifugo.error_code"], 102);
    });

    test("a broadcast carries its channel count", async () => {
      await httpApi(
        server.url,
        "broadcast",
        { channels: ["news:a", "news:b", "news:c"], data: {} },
        {
          authorization: `apikey ${server.apiKey}`,
        },
      );
      const span = await spanNamed(receiver, "/api/broadcast");
      assert.equal(span.attributes["centrifugo.num_channels"], 3);
    });

    for (const protocol of ["grpc", "grpc-web", "connect-json", "connect-binary"] as const) {
      test(`a ${protocol} call is a span named by its gRPC method, with its channel and parent`, async () => {
        const channel = `news:${protocol}`;
        const client = connectClient(CentrifugoApi, protocol, server.url, server.apiKey);
        await client.publish({ channel, data: new TextEncoder().encode("{}") }, { headers: { traceparent } });
        const span = await spanNamed(receiver, grpcName("Publish"), channel);
        assert.equal(span.traceId, traceId);
        assert.equal(span.parentSpanId, parentId);
        assert.equal(span.attributes["rpc.system"], "grpc");
        assert.equal(span.attributes["rpc.method"], "Publish");
      });
    }
  });
}

test("an exporter protocol Centrifugo does not offer stops the start with the variable named", async () => {
  const saved = process.env.OTEL_EXPORTER_OTLP_PROTOCOL;
  process.env.OTEL_EXPORTER_OTLP_PROTOCOL = "http/json";
  try {
    await assert.rejects(
      startTestServer({ opentelemetry: { enabled: true, api: true } }),
      /OTEL_EXPORTER_OTLP_PROTOCOL: "http\/json" is not supported \(use http\/protobuf or grpc\)/,
    );
  } finally {
    process.env.OTEL_EXPORTER_OTLP_PROTOCOL = saved;
  }
});
