import type { Logger } from "pino";
import type { TokenVerifier } from "../auth/token-verifier.js";
import type { Config } from "../config/schema.js";
import type { Metrics } from "../metrics/create-metrics.js";
import type { Node } from "../node/node.js";
import type { Proxies } from "../proxy/proxies.js";
import type { SharedPolls } from "../shared-poll/shared-polls.js";

/** What every client session shares: the node, the config, token verification, the backend proxies, the metrics it reports to, the shared poll channels. */
export interface ClientContext {
  readonly node: Node;
  readonly config: Config;
  readonly tokens: TokenVerifier;
  readonly proxies: Proxies;
  readonly log: Logger;
  readonly version: string;
  readonly metrics: Metrics;
  readonly sharedPolls: SharedPolls;
}
