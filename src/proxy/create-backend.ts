import { proxyProtocol } from "../config/proxy-endpoint.js";
import type { ProxyOptions } from "../config/proxy-schema.js";
import type { ProxyBackend } from "./backend.js";
import { createConnectRpcBackend } from "./connect-rpc/connect-rpc-backend.js";
import { createGrpcBackend } from "./grpc/grpc-backend.js";
import { createHttpBackend } from "./http/http-backend.js";

/** The backend a proxy object's endpoint names; `where` is its config path, for error messages. */
export function createBackend(options: ProxyOptions, where: string): ProxyBackend {
  const protocol = proxyProtocol(options);
  switch (protocol) {
    case "http":
      return createHttpBackend(options, where);
    case "grpc":
      return createGrpcBackend(options, where);
    case "connect-rpc":
      return createConnectRpcBackend(options, where);
    default:
      throw new Error(`${where}.endpoint: "${options.endpoint}" is not a proxy endpoint`);
  }
}
