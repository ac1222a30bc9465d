import { type DescMessage, fromBinary, type MessageShape, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { CentrifugoProxy } from "../../../gen/centrifugal/centrifugo/proxy/proxy_pb.js";
import { messageFromCentrifugoJson, messageToCentrifugoJson } from "./centrifugo-json.js";
import { caseHeader, type ProxyMethod, type RecordedCall, type Script, type StreamIO } from "./script.js";
import type { TestBackend } from "./test-backend.js";

/** Bytes no response message decodes from: a length-delimited field whose length runs past the end. */
const garbage = Buffer.from([0x0a, 0xff, 0x01]);

type Json = Record<string, unknown>;

function metadataHeaders(metadata: grpc.Metadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(metadata.getMap())) out[name] = String(value);
  return out;
}

function cancelled(call: { on(event: "cancelled", cb: () => void): unknown; cancelled?: boolean }) {
  return new Promise<void>((resolve) => {
    if (call.cancelled) resolve();
    call.on("cancelled", () => resolve());
  });
}

/**
 * A grpc-js server implementing CentrifugoProxy (messages serialised with the
 * generated protobuf-es types), answering as the Script says: unary answers,
 * no answer until cancelled, undecodable bytes, and server / bidirectional
 * streams. With `tls` it answers over TLS.
 */
export async function startGrpcBackend(
  script: Script,
  tls?: { key: string; cert: string },
  port = 0,
): Promise<TestBackend> {
  const server = new grpc.Server();
  const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const method of CentrifugoProxy.methods) {
    const input = method.input as DescMessage;
    const output = method.output as DescMessage;
    const streaming = method.methodKind !== "unary";
    definition[method.name] = {
      path: `/${CentrifugoProxy.typeName}/${method.name}`,
      requestStream: method.methodKind === "bidi_streaming",
      responseStream: streaming,
      requestSerialize: (m) => Buffer.from(toBinary(input, m as MessageShape<DescMessage>)),
      requestDeserialize: (b: Buffer) => fromBinary(input, b),
      responseSerialize: (m) =>
        Buffer.isBuffer(m) ? m : Buffer.from(toBinary(output, m as MessageShape<DescMessage>)),
      responseDeserialize: (b: Buffer) => fromBinary(output, b),
    };
    const name = method.name as ProxyMethod;
    const record = (request: Json, metadata: grpc.Metadata, aborted: Promise<void>): RecordedCall => {
      const headers = metadataHeaders(metadata);
      return { method: name, caseName: headers[caseHeader] ?? "", request, headers, aborted };
    };
    if (method.methodKind === "unary") {
      handlers[method.name] = (
        call: grpc.ServerUnaryCall<MessageShape<DescMessage>, unknown>,
        callback: grpc.sendUnaryData<unknown>,
      ) => {
        const answer = script.answer(
          record(messageToCentrifugoJson(input, call.request), call.metadata, cancelled(call)),
        );
        if ("hang" in answer) return;
        if ("malformed" in answer) callback(null, garbage);
        else if ("answer" in answer) callback(null, messageFromCentrifugoJson(output, answer.answer));
        else callback({ code: grpc.status.UNIMPLEMENTED });
      };
      continue;
    }
    handlers[method.name] = (call: grpc.ServerDuplexStream<MessageShape<DescMessage>, unknown>) => {
      const received: Json[] = [];
      const aborted = cancelled(call);
      const io: StreamIO = {
        send: (m) => call.write(messageFromCentrifugoJson(output, m)),
        end: () => call.end(),
        fail: () => call.emit("error", { code: grpc.status.INTERNAL, details: "backend failed" }),
        received,
        cancelled: aborted,
      };
      const start = (first: MessageShape<DescMessage>) => {
        const answer = script.answer(record(messageToCentrifugoJson(input, first), call.metadata, aborted));
        if ("stream" in answer) answer.stream(io);
        else if ("malformed" in answer) call.write(garbage);
      };
      if (method.methodKind === "server_streaming") {
        start((call as unknown as { request: MessageShape<DescMessage> }).request);
        return;
      }
      let first = true;
      call.on("data", (m: MessageShape<DescMessage>) => {
        if (first) start(m);
        else received.push(messageToCentrifugoJson(input, m));
        first = false;
      });
    };
  }
  server.addService(definition as grpc.ServiceDefinition, handlers);
  const credentials = tls
    ? grpc.ServerCredentials.createSsl(null, [
        { private_key: Buffer.from(tls.key), cert_chain: Buffer.from(tls.cert) },
      ])
    : grpc.ServerCredentials.createInsecure();
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, credentials, (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    transport: "grpc",
    proxy: () => ({ endpoint: `grpc://127.0.0.1:${bound}` }),
    close: () =>
      new Promise<void>((resolve) => {
        server.forceShutdown();
        resolve();
      }),
  };
}
