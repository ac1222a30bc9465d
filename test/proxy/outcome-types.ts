import type { ClientProtocol } from "../helpers/centrifuge-clients.js";
import type { TestServer } from "../helpers/server.js";
import type { Behaviour, ProxyMethod } from "./backends/script.js";
import type { Clients, ProxyEnv } from "./proxy-fixture.js";

export type Kind =
  | "connect"
  | "refresh"
  | "subscribe"
  | "publish"
  | "rpc"
  | "sub_refresh"
  | "subscribe_stream";
export type Outcome = "allow" | "error" | "disconnect" | "timeout" | "down" | "malformed";

/** One case run: the rotor it talks to (the `down` one for backend-down cases) and its clients. */
export interface CaseRun {
  readonly env: ProxyEnv;
  readonly server: TestServer;
  readonly clients: Clients;
  readonly caseName: string;
  readonly protocol: ClientProtocol;
}

export interface OutcomeCase {
  readonly kind: Kind;
  readonly outcome: Outcome;
  /** Needs subscribe streams: gRPC and Connect backends only. */
  readonly streams?: boolean;
  /** What the backend answers for this case, by method. */
  readonly behaviours?: (caseName: string) => Partial<Record<ProxyMethod, Behaviour>>;
  run(r: CaseRun): Promise<void>;
}
