import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import {
  createServer as createH2cServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type Http2Session,
} from "node:http2";
import type { AddressInfo } from "node:net";
import type { DescMessage, DescMethod, MessageShape } from "@bufbuild/protobuf";
import { ConnectError, type ConnectRouter, type HandlerContext } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { CentrifugoProxy } from "../../../gen/centrifugal/centrifugo/proxy/proxy_pb.js";
import { messageFromCentrifugoJson, messageToCentrifugoJson } from "./centrifugo-json.js";
import { caseHeader, type ProxyMethod, type RecordedCall, type Script, type StreamIO } from "./script.js";
import type { TestBackend } from "./test-backend.js";

type Json = Record<string, unknown>;
type Msg = MessageShape<DescMessage>;

function headerRecord(ctx: HandlerContext): Record<string, string> {
  const out: Record<string, string> = {};
  ctx.requestHeader.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

const aborted = (signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });

/** Messages a test stream sends, handed to connect-node's response iterator as they come. */
function outbox() {
  const items: (Msg | "end" | "fail")[] = [];
  let wake: (() => void) | undefined;
  const put = (item: Msg | "end" | "fail") => {
    items.push(item);
    wake?.();
  };
  async function* drain(signal: AbortSignal): AsyncGenerator<Msg> {
    for (;;) {
      const item = items.shift();
      if (item === "end") return;
      if (item === "fail") throw new ConnectError("backend failed");
      if (item) {
        yield item;
        continue;
      }
      if (signal.aborted) return;
      await Promise.race([new Promise<void>((resolve) => (wake = resolve)), aborted(signal)]);
    }
  }
  return { put, drain };
}

function routes(script: Script) {
  return (router: ConnectRouter) => {
    for (const method of CentrifugoProxy.methods as readonly DescMethod[]) {
      const input = method.input;
      const output = method.output;
      const record = (request: Msg, ctx: HandlerContext): RecordedCall => {
        const headers = headerRecord(ctx);
        const caseName = headers[caseHeader] ?? "";
        const json = messageToCentrifugoJson(input, request);
        return {
          method: method.name as ProxyMethod,
          caseName,
          request: json,
          headers,
          aborted: aborted(ctx.signal),
        };
      };
      const startStream = (first: Msg, ctx: HandlerContext, received: Json[]) => {
        const box = outbox();
        const io: StreamIO = {
          send: (m) => box.put(messageFromCentrifugoJson(output, m)),
          end: () => box.put("end"),
          fail: () => box.put("fail"),
          received,
          cancelled: aborted(ctx.signal),
        };
        const answer = script.answer(record(first, ctx));
        if ("stream" in answer) answer.stream(io);
        return box.drain(ctx.signal);
      };
      if (method.methodKind === "unary") {
        router.rpc(method, (async (request: Msg, ctx: HandlerContext) => {
          const answer = script.answer(record(request, ctx));
          if ("answer" in answer) return messageFromCentrifugoJson(output, answer.answer);
          await aborted(ctx.signal);
          throw new ConnectError("cancelled");
        }) as never);
      } else if (method.methodKind === "server_streaming") {
        router.rpc(method, ((request: Msg, ctx: HandlerContext) => startStream(request, ctx, [])) as never);
      } else if (method.methodKind === "bidi_streaming") {
        router.rpc(method, async function* (requests: AsyncIterable<Msg>, ctx: HandlerContext) {
          const iterator = requests[Symbol.asyncIterator]();
          const first = await iterator.next();
          if (first.done) return;
          const received: Json[] = [];
          void (async () => {
            for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
              received.push(messageToCentrifugoJson(input, next.value));
            }
          })().catch(() => {});
          yield* startStream(first.value, ctx, received);
        } as never);
      }
    }
  };
}

/**
 * A connect-node server implementing CentrifugoProxy over the Connect
 * protocol, on two ports: HTTP/1.1 and cleartext HTTP/2 (which bidirectional
 * streams need). A case answered `malformed` gets a 200 whose body is no
 * message, written before connect-node sees the request.
 */
export async function startConnectBackend(script: Script): Promise<TestBackend> {
  const adapter = connectNodeAdapter({ routes: routes(script) });
  const handler = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => {
    const method = (req.url ?? "").split("/").pop() as ProxyMethod;
    const caseName = String(req.headers[caseHeader] ?? "");
    const fixed = script.fixedAnswer(method, caseName);
    if (fixed && "malformed" in fixed) {
      script.answer({ method, caseName, request: {}, headers: {}, aborted: Promise.resolve() });
      req.resume();
      (res as ServerResponse).writeHead(200, { "content-type": String(req.headers["content-type"]) });
      res.end('{"result": {"user": ');
      return;
    }
    adapter(req as IncomingMessage, res as ServerResponse);
  };
  const h1 = createServer(handler);
  const h2c = createH2cServer(handler);
  const sessions = new Set<Http2Session>();
  h2c.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  const listen = (server: typeof h1 | typeof h2c) =>
    new Promise<number>((resolve) =>
      server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
    );
  const [h1Port, h2Port] = [await listen(h1), await listen(h2c)];
  return {
    transport: "connect-rpc",
    proxy: (method) =>
      method === "SubscribeBidirectional" || method === "SubscribeUnidirectional"
        ? { endpoint: `connect://127.0.0.1:${h2Port}`, connect_rpc: { http2: true, binary: true } }
        : { endpoint: `connect://127.0.0.1:${h1Port}` },
    close: async () => {
      h1.closeAllConnections();
      await Promise.all([
        new Promise((resolve) => h1.close(resolve)),
        new Promise((resolve) => {
          h2c.close(resolve);
          for (const session of sessions) session.destroy();
        }),
      ]);
    },
  };
}
