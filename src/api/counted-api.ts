import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorSchema } from "../../gen/centrifugal/centrifugo/api/api_pb.js";
import { type ApiMetrics, type ApiProtocol, apiMethodLabel } from "../metrics/api-metrics.js";
import type { ApiService } from "./api-service.js";

/** Seconds since `started` (a `performance.now()` reading). */
export const seconds = (started: number) => (performance.now() - started) / 1000;

/** The numeric API error a response carries in its body, if any. */
export function bodyError(message: unknown): number | undefined {
  return (message as { error?: { code?: number } }).error?.code;
}

/** The numeric API error a failed call carried, or the Connect code's name when it carried none. */
export function errorOf(err: unknown): number | string {
  const connectError = ConnectError.from(err);
  return (
    connectError.findDetails(ErrorSchema)[0]?.code ?? Code[connectError.code]?.toLowerCase() ?? "internal"
  );
}

/** The API service with each call counted under one protocol: how the HTTP JSON API reports. */
export function countedApiService(
  service: ApiService,
  metrics: ApiMetrics,
  protocol: ApiProtocol,
): ApiService {
  return {
    async call(method, request) {
      const started = performance.now();
      const outcome = await service.call(method, request);
      const error = "error" in outcome ? outcome.error.code : undefined;
      metrics.call(protocol, apiMethodLabel(method), seconds(started), error);
      return outcome;
    },
    checkChannel: (channel) => service.checkChannel(channel),
    async batch(request) {
      const started = performance.now();
      const response = await service.batch(request);
      metrics.call(protocol, "batch", seconds(started));
      return response;
    },
  };
}
