import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

const protoFile = fileURLToPath(new URL("../fixtures/otlp/trace-service.proto", import.meta.url));
const loadOptions = { keepCase: false, longs: Number, bytes: String, defaults: true, oneofs: true };

/** One exported span as the receiver read it: IDs in hex, attributes as plain values. */
export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: number;
  readonly attributes: Record<string, unknown>;
  readonly status: { code: number; message: string };
  readonly resource: Record<string, unknown>;
}

interface RawKeyValue {
  key: string;
  value?: Record<string, unknown> & { value?: string };
}

const hex = (base64: string) => Buffer.from(base64, "base64").toString("hex");
const attributes = (list: RawKeyValue[] = []) =>
  Object.fromEntries(list.map((kv) => [kv.key, kv.value?.value ? kv.value[kv.value.value] : undefined]));

// biome-ignore lint/suspicious/noExplicitAny: the decoded OTLP request is plain JSON-shaped data
function spansOf(request: any): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of request.resourceSpans ?? []) {
    const resource = attributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          traceId: hex(s.traceId),
          spanId: hex(s.spanId),
          parentSpanId: hex(s.parentSpanId),
          name: s.name,
          kind: s.kind,
          attributes: attributes(s.attributes),
          status: { code: s.status?.code ?? 0, message: s.status?.message ?? "" },
          resource,
        });
      }
    }
  }
  return out;
}

/** An OTLP trace receiver on a free port: `http/protobuf` at `/v1/traces`, or gRPC `TraceService/Export`. */
export interface OtlpReceiver {
  readonly endpoint: string;
  readonly spans: ReceivedSpan[];
  close(): Promise<void>;
}

export async function startOtlpReceiver(protocol: "http/protobuf" | "grpc"): Promise<OtlpReceiver> {
  const definition = protoLoader.loadSync(protoFile, loadOptions);
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    opentelemetry: {
      proto: { collector: { trace: { v1: { TraceService: grpc.ServiceClientConstructor } } } };
    };
  };
  const service = pkg.opentelemetry.proto.collector.trace.v1.TraceService.service;
  const spans: ReceivedSpan[] = [];
  if (protocol === "grpc") {
    const server = new grpc.Server();
    server.addService(service, {
      export: (call: grpc.ServerUnaryCall<unknown, unknown>, done: grpc.sendUnaryData<unknown>) => {
        spans.push(...spansOf(call.request));
        done(null, {});
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    return {
      endpoint: `http://127.0.0.1:${port}`,
      spans,
      close: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
    };
  }
  const exportMethod = service.Export!;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      if (req.url === "/v1/traces")
        spans.push(...spansOf(exportMethod.requestDeserialize(Buffer.concat(chunks))));
      res.writeHead(req.url === "/v1/traces" ? 200 : 404, { "content-type": "application/x-protobuf" });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
