import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import type { ProxyProtocol } from "../config/proxy-endpoint.js";
import type { ProxyBackend } from "./backend.js";

function describe(err: unknown): string {
  const e = ConnectError.from(err);
  return `${Code[e.code] ?? e.code}: ${e.rawMessage}`;
}

/**
 * A backend reached through a connect-node transport: gRPC and Connect share
 * everything but the transport, which speaks their wire protocol. Any error
 * status is a transport failure, as Centrifugo treats non-OK gRPC statuses.
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
        return { messages: res.message };
      } catch (err) {
        return { failure: describe(err) };
      }
    },
    async close() {
      close();
    },
  };
}
