import type { ProxyMethod } from "./script.js";

/** The transports a proxy reaches its backend over. */
export type BackendTransport = "http" | "grpc" | "connect-rpc";

/** A real backend server answering the CentrifugoProxy calls of a Script. */
export interface TestBackend {
  readonly transport: BackendTransport;
  /** The proxy object (endpoint and protocol options) that reaches this backend for a method. */
  proxy(method: ProxyMethod): Record<string, unknown>;
  close(): Promise<void>;
}
