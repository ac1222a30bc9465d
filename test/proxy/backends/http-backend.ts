import Fastify, { type FastifyInstance } from "fastify";
import { caseHeader, type ProxyMethod, type RecordedCall, type Script } from "./script.js";
import type { TestBackend } from "./test-backend.js";

/**
 * A Fastify app answering Centrifugo's HTTP JSON proxy requests, one path per
 * method (`POST /Connect`, `/Subscribe`…) as a Centrifugo config points each
 * proxy at its own endpoint. With `tls` it answers HTTPS.
 */
export async function startHttpBackend(
  script: Script,
  tls?: { key: string; cert: string },
  port = 0,
): Promise<TestBackend> {
  // One type for both: the HTTPS instance differs only in its raw server type.
  const app = (
    tls ? Fastify({ forceCloseConnections: true, https: tls }) : Fastify({ forceCloseConnections: true })
  ) as FastifyInstance;
  app.post<{ Params: { method: ProxyMethod } }>("/:method", async (request, reply) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) headers[name] = String(value);
    const aborted = new Promise<void>((resolve) => request.raw.once("close", () => resolve()));
    const call: RecordedCall = {
      method: request.params.method,
      caseName: headers[caseHeader] ?? "",
      request: request.body as Record<string, unknown>,
      headers,
      aborted: reply.raw.writableFinished ? Promise.resolve() : aborted,
    };
    const answer = script.answer(call);
    if ("hang" in answer) {
      await aborted;
      return reply;
    }
    if ("malformed" in answer) return reply.type("application/json").send('{"result": {"user": ');
    if ("status" in answer) return reply.code(answer.status).send();
    if ("answer" in answer) {
      if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
      return reply.send(answer.answer);
    }
    return reply.code(501).send();
  });
  await app.listen({ host: "127.0.0.1", port });
  const address = app.server.address();
  const bound = typeof address === "object" && address ? address.port : 0;
  return {
    transport: "http",
    proxy: (method) => ({ endpoint: `${tls ? "https" : "http"}://127.0.0.1:${bound}/${method}` }),
    close: () => app.close(),
  };
}
