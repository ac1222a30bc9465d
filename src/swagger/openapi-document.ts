import { type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import { type HttpApiMethod, httpApiMethods } from "../api/http-json/method-table.js";

type Schema = Record<string, unknown>;

const int64 = new Set([
  ScalarType.INT64,
  ScalarType.UINT64,
  ScalarType.SINT64,
  ScalarType.FIXED64,
  ScalarType.SFIXED64,
]);
const int32 = new Set([
  ScalarType.INT32,
  ScalarType.UINT32,
  ScalarType.SINT32,
  ScalarType.FIXED32,
  ScalarType.SFIXED32,
]);

/** The Swagger tag of each method, by Centrifugo's grouping of its HTTP API. */
function tagOf(name: string): string {
  if (name === "publish" || name === "broadcast") return "publication";
  if (["subscribe", "unsubscribe", "disconnect", "refresh"].includes(name)) return "connection management";
  if (name.startsWith("history")) return "history";
  if (name.startsWith("presence")) return "presence";
  if (name === "info" || name === "channels") return "stats";
  if (name.startsWith("map_")) return "map";
  return name;
}

/** A scalar as the HTTP JSON API reads it: `bytes` is the payload as raw JSON, 64-bit integers are numbers. */
function scalarSchema(type: ScalarType): Schema {
  if (type === ScalarType.BYTES) return { description: "any JSON value (the payload as it is)" };
  if (type === ScalarType.BOOL) return { type: "boolean" };
  if (type === ScalarType.STRING) return { type: "string" };
  if (int64.has(type)) return { type: "integer", format: "int64" };
  if (int32.has(type)) return { type: "integer", format: "int32" };
  return { type: "number", format: type === ScalarType.FLOAT ? "float" : "double" };
}

const ref = (message: DescMessage) => ({ $ref: `#/definitions/${message.name}` });

function fieldSchema(field: DescField, collect: (m: DescMessage) => void): Schema {
  const item = (kind: "scalar" | "message" | "enum", f: DescField): Schema => {
    if (kind === "message") {
      collect(f.message!);
      return ref(f.message!);
    }
    if (kind === "enum") return { type: "integer", format: "int32" };
    return scalarSchema(f.scalar!);
  };
  switch (field.fieldKind) {
    case "scalar":
      return scalarSchema(field.scalar);
    case "enum":
      return item("enum", field);
    case "message":
      return item("message", field);
    case "list":
      return { type: "array", items: item(field.listKind, field) };
    case "map":
      return {
        type: "object",
        additionalProperties:
          field.mapKind === "message"
            ? item("message", field)
            : field.mapKind === "enum"
              ? { type: "integer" }
              : scalarSchema(field.scalar!),
      };
  }
}

/** Every message the implemented methods reach, as Swagger definitions keyed by message name. */
function definitions(methods: readonly HttpApiMethod[]): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  const collect = (message: DescMessage) => {
    if (out[message.name]) return;
    const properties: Record<string, Schema> = {};
    out[message.name] = { type: "object", properties };
    for (const field of message.fields) properties[field.name] = fieldSchema(field, collect);
  };
  for (const method of methods) {
    collect(method.input);
    collect(method.output);
  }
  return out;
}

/**
 * The server's HTTP JSON API as an OpenAPI 2.0 (Swagger) document, built
 * from the same descriptors that route the API, so it lists exactly the
 * methods rotor runs with the fields each one reads: Centrifugo's shape
 * (`basePath` the API prefix, the key in `X-API-Key`, its tags).
 */
export function openApiDocument(apiPrefix: string, version: string): Record<string, unknown> {
  const methods = [...httpApiMethods.values()].filter((m) => m.run !== undefined);
  const paths: Record<string, unknown> = {};
  for (const method of methods) {
    paths[`/${method.name}`] = {
      post: {
        operationId: method.name,
        tags: [tagOf(method.name)],
        consumes: ["application/json"],
        produces: ["application/json"],
        parameters: [{ in: "body", name: "body", required: true, schema: ref(method.input) }],
        responses: {
          "200": { description: "the result, or an error object in the body", schema: ref(method.output) },
          "400": { description: "the body is not JSON of the request's shape" },
          "401": { description: "no valid API key" },
        },
      },
    };
  }
  return {
    swagger: "2.0",
    info: { title: "rotor server HTTP API", version },
    basePath: apiPrefix.replace(/\/+$/, "") || "/",
    schemes: ["http", "https"],
    securityDefinitions: { ApiKeyAuth: { type: "apiKey", in: "header", name: "X-API-Key" } },
    security: [{ ApiKeyAuth: [] }],
    paths,
    definitions: definitions(methods),
  };
}
