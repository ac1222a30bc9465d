import { hostname } from "node:os";
import type { Attributes } from "@opentelemetry/api";
import type { Logger } from "pino";
import type { ApiSpan, ApiTracer, HeaderReader } from "./api-tracer.js";

/** The tracer of the server API and how to flush what it still holds when the server stops. */
export interface Tracing {
  readonly api: ApiTracer | undefined;
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  readonly api: boolean;
  readonly nodeId: string;
  readonly version: string;
  readonly env?: NodeJS.ProcessEnv | undefined;
}

const protocols = ["http/protobuf", "grpc"] as const;

/** The batch processor's standard `OTEL_BSP_*` settings that the environment sets. */
function batchSettings(env: NodeJS.ProcessEnv) {
  const read = (name: string) => {
    const value = Number(env[name]);
    return env[name] && Number.isInteger(value) && value > 0 ? value : undefined;
  };
  return {
    scheduledDelayMillis: read("OTEL_BSP_SCHEDULE_DELAY"),
    exportTimeoutMillis: read("OTEL_BSP_EXPORT_TIMEOUT"),
    maxQueueSize: read("OTEL_BSP_MAX_QUEUE_SIZE"),
    maxExportBatchSize: read("OTEL_BSP_MAX_EXPORT_BATCH_SIZE"),
  };
}

/**
 * Why the OTLP exporter the environment asks for cannot be built, or
 * undefined: Centrifugo exports over `http/protobuf` (the default) or
 * `grpc`, chosen by `OTEL_EXPORTER_OTLP_PROTOCOL` (or its traces variant).
 */
export function exporterProblem(env: NodeJS.ProcessEnv): string | undefined {
  const protocol =
    env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL || "http/protobuf";
  if ((protocols as readonly string[]).includes(protocol)) return undefined;
  return `OTEL_EXPORTER_OTLP_PROTOCOL: "${protocol}" is not supported (use http/protobuf or grpc)`;
}

/**
 * Starts OpenTelemetry tracing as `opentelemetry` asks: spans of server API
 * calls exported over OTLP in batches, to the endpoint, headers and timeout
 * the standard `OTEL_EXPORTER_OTLP_*` variables give, named by
 * `OTEL_SERVICE_NAME` (default `rotor`) with the node's ID and version. The
 * OpenTelemetry packages are loaded here, so a server without tracing never
 * loads them.
 */
export async function startTracing(o: TracingOptions, log: Logger): Promise<Tracing> {
  const env = o.env ?? process.env;
  const problem = exporterProblem(env);
  if (problem) throw new Error(problem);
  const [api, core, resources, sdk] = await Promise.all([
    import("@opentelemetry/api"),
    import("@opentelemetry/core"),
    import("@opentelemetry/resources"),
    import("@opentelemetry/sdk-trace"),
  ]);
  const grpc = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL) === "grpc";
  const exporter = grpc
    ? new (await import("@opentelemetry/exporter-trace-otlp-grpc")).OTLPTraceExporter()
    : new (await import("@opentelemetry/exporter-trace-otlp-proto")).OTLPTraceExporter();
  const resource = resources
    .resourceFromAttributes({
      "service.name": env.OTEL_SERVICE_NAME || "rotor",
      "service.instance.id": o.nodeId,
      "host.name": hostname(),
      version: o.version,
    })
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));
  const provider = new sdk.TracerProvider({
    resource,
    spanProcessors: [new sdk.BatchSpanProcessor({ exporter, ...batchSettings(env) })],
  });
  const tracer = provider.getTracer("rotor", o.version);
  const propagator = new core.W3CTraceContextPropagator();
  const getter = {
    keys: () => ["traceparent", "tracestate"],
    get: (carrier: HeaderReader, key: string) => carrier(key) ?? undefined,
  };
  const apiTracer: ApiTracer = {
    start(name, header, attributes): ApiSpan {
      const parent = propagator.extract(api.ROOT_CONTEXT, header, getter);
      const span = tracer.startSpan(name, { kind: api.SpanKind.SERVER, attributes }, parent);
      return {
        end(error?: number | string, more?: Attributes) {
          if (more) span.setAttributes(more);
          if (error !== undefined) {
            span.setStatus({ code: api.SpanStatusCode.ERROR, message: String(error) });
            span.setAttribute("centrifugo.error_code", error);
          }
          span.end();
        },
      };
    },
  };
  log.info({ protocol: grpc ? "grpc" : "http/protobuf" }, "tracing server API calls over OTLP");
  return {
    api: o.api ? apiTracer : undefined,
    shutdown: () => provider.shutdown(),
  };
}
