import type { DescFile } from "@bufbuild/protobuf";
import type { ConnectRouter } from "@connectrpc/connect";
import { Centrifugo, file_api_api } from "../../gen/api/api_pb.js";
import {
  CentrifugoApi,
  file_centrifugal_centrifugo_api_api,
} from "../../gen/centrifugal/centrifugo/api/api_pb.js";
import { type ApiPipelineOptions, apiPipelineInterceptor, createApiPipeline } from "./api-pipeline.js";
import type { ApiService } from "./api-service.js";
import { centrifugoApiImpl, type ErrorMode } from "./connect-api.js";
import { createReflectionRoutes } from "./reflection/reflection-routes.js";
import { centrifugoV2Impl } from "./v2/centrifugo-v2.js";

/** The files whose services gRPC reflection lists; an extra service (the uni stream) adds its own when served. */
export const reflectedFiles: readonly DescFile[] = [file_centrifugal_centrifugo_api_api, file_api_api];

export interface ApiRoutesOptions extends ApiPipelineOptions {
  readonly service: ApiService;
  /** Serve the API services; false when the router carries only the extra service. Default true. */
  readonly serveApi?: boolean | undefined;
  readonly errorMode: ErrorMode;
  /** Serve gRPC reflection (v1 and v1alpha) describing `reflectedFiles`. */
  readonly reflection: boolean;
  /** Another service on the same router, without the API key (the client uni stream), listed by reflection too. */
  readonly extraService?: { readonly file: DescFile; readonly routes: (router: ConnectRouter) => void };
}

/**
 * Registers the server API services on a Connect router, each behind the API
 * key (or the extra credential the surface admits), and gRPC reflection when
 * asked, without the key: reflection only describes the schema, which is
 * public (Centrifugo does not protect it either).
 */
export function apiConnectRoutes(o: ApiRoutesOptions): (router: ConnectRouter) => void {
  const interceptors = [apiPipelineInterceptor(createApiPipeline(o))];
  const files = o.extraService ? [...reflectedFiles, o.extraService.file] : reflectedFiles;
  const reflection = o.reflection ? createReflectionRoutes(files) : undefined;
  return (router) => {
    if (o.serveApi !== false) {
      router.service(CentrifugoApi, centrifugoApiImpl(o.service, o.errorMode), { interceptors });
      router.service(Centrifugo, centrifugoV2Impl(o.service), { interceptors });
    }
    o.extraService?.routes(router);
    reflection?.(router);
  };
}
