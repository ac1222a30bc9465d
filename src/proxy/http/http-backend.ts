import { create, type MessageInitShape } from "@bufbuild/protobuf";
import type { Pool } from "undici";
import type { ProxyOptions } from "../../config/proxy-schema.js";
import { decodeJsonMessage } from "../../protocol/json/json-decode.js";
import { encodeJsonMessage } from "../../protocol/json/json-encode.js";
import type { ProxyBackend } from "../backend.js";
import { tlsConnectOptions } from "../tls-options.js";
import { createStatusTransforms } from "./status-transforms.js";

async function readAnswer(
  body: AsyncIterable<Uint8Array>,
  maxAnswerBytes: number,
): Promise<Buffer | undefined> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxAnswerBytes) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function headerObject(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

/**
 * An HTTP JSON backend (`http://` or `https://`), Centrifugo's original proxy:
 * each call POSTs the request message as JSON (proto field names, `bytes` as
 * raw JSON) to the endpoint itself and reads the response message from a 200
 * answer. Connections are kept alive in one undici pool of at most
 * `http.max_connections` sockets; calls beyond it wait in the pool, bounded
 * by the proxy's `max_in_flight` and their timeout. undici is loaded here,
 * when an HTTP proxy is configured, not by every server.
 */
export function createHttpBackend(p: ProxyOptions, where: string): ProxyBackend {
  const url = new URL(p.endpoint);
  const path = `${url.pathname}${url.search}`;
  const connect = url.protocol === "https:" ? tlsConnectOptions(p.http.tls, `${where}.http.tls`) : undefined;
  const pool: Promise<Pool> = import("undici").then(
    ({ Pool }) => new Pool(url.origin, { connections: p.http.max_connections, connect }),
  );
  // A pool that could not be made fails each call (below), not the process.
  pool.catch(() => {});
  const transform = createStatusTransforms(p.http.status_to_code_transforms);
  return {
    protocol: "http",
    async unary(method, request, call) {
      const body = encodeJsonMessage(method.input, request);
      if ("error" in body) return { failure: `request cannot be JSON: ${body.error}` };
      call.headers.set("content-type", "application/json");
      try {
        const res = await (await pool).request({
          method: "POST",
          path,
          headers: headerObject(call.headers),
          body: body.value,
          signal: call.signal,
        });
        if (res.statusCode !== 200) {
          await res.body.dump();
          const answer = transform(res.statusCode);
          if (!answer) return { failure: `status ${res.statusCode}` };
          return {
            response: create(method.output, answer as unknown as MessageInitShape<typeof method.output>),
          };
        }
        const bytes = await readAnswer(res.body, p.max_receive_message_size);
        if (!bytes) {
          res.body.destroy();
          return { failure: `answer over max_receive_message_size (${p.max_receive_message_size} bytes)` };
        }
        const decoded = decodeJsonMessage(method.output, bytes);
        return "error" in decoded
          ? { failure: `malformed answer: ${decoded.error}` }
          : { response: decoded.value };
      } catch (err) {
        return { failure: (err as Error).message };
      }
    },
    async stream() {
      return { failure: "subscribe streams need a gRPC or Connect backend" };
    },
    async close() {
      await (await pool.catch(() => undefined))?.destroy();
    },
  };
}
