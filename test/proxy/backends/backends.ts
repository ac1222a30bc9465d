import { startConnectBackend } from "./connect-backend.js";
import { startGrpcBackend } from "./grpc-backend.js";
import { startHttpBackend } from "./http-backend.js";
import type { Script } from "./script.js";
import type { BackendTransport, TestBackend } from "./test-backend.js";

export const backendTransports: readonly BackendTransport[] = ["http", "grpc", "connect-rpc"];

/** Starts the test backend of a transport on a free port. */
export function startBackend(transport: BackendTransport, script: Script): Promise<TestBackend> {
  switch (transport) {
    case "http":
      return startHttpBackend(script);
    case "grpc":
      return startGrpcBackend(script);
    case "connect-rpc":
      return startConnectBackend(script);
  }
}
