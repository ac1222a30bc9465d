import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import type { ProxyProtocol } from "../config/proxy-endpoint.js";
import type { ProxyBackend } from "./backend.js";

function describe(err: unknown): string {
  const e = ConnectError.from(err);
  return `${Code[e.code] ?? e.code}: ${e.rawMessage}`;
}

/** A stream's messages, failing with the described error (an oversized message says so). */
async function* described<T>(messages: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* messages;
  } catch (err) {
    throw new Error(describe(err));
  }
}

/**
 * A backend reached through a connect-node transport: gRPC and Connect share
 * everything but the transport, which speaks their wire protocol. Any error
 * status is a transport failure, as Centrifugo treats non-OK gRPC statuses;
 * so is a message over the transport's `readMaxBytes`, which is refused from
 * its length prefix before it is read.
 */
export function createRpcBackend(
  protocol: ProxyProtocol,
  transport: Transport,
  close: () => void,
): ProxyBackend {
  return {
    protocol,
    async unary(method, request, call) {
      try {
        const res = await transport.unary(method, call.signal, call.timeoutMs, call.headers, request);
        return { response: res.message };
      } catch (err) {
        return { failure: describe(err) };
      }
    },
    async stream(method, requests, call) {
      try {
        const res = await transport.stream(method, call.signal, undefined, call.headers, requests);
        return { messages: described(res.message) };
      } catch (err) {
        return { failure: describe(err) };
      }
    },
    async close() {
      close();
    },
  };
}
