import type { ConnectRouter } from "@connectrpc/connect";
import { CentrifugoApi } from "../../gen/centrifugal/centrifugo/api/api_pb.js";
import { type ApiKeyPolicy, apiKeyInterceptor } from "./api-key.js";
import type { ApiService } from "./api-service.js";
import { centrifugoApiImpl, type ErrorMode } from "./connect-api.js";

export interface ApiRoutesOptions {
  readonly service: ApiService;
  readonly policy: ApiKeyPolicy;
  readonly errorMode: ErrorMode;
}

/** Registers the server API services on a Connect router, each behind the API key. */
export function apiConnectRoutes(o: ApiRoutesOptions): (router: ConnectRouter) => void {
  const interceptors = [apiKeyInterceptor(o.policy)];
  return (router) => {
    router.service(CentrifugoApi, centrifugoApiImpl(o.service, o.errorMode), { interceptors });
  };
}
