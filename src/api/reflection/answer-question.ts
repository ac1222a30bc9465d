import { Code } from "@connectrpc/connect";
import type * as v1 from "../../../gen/grpc/reflection/v1/reflection_pb.js";
import type * as v1alpha from "../../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import type { FileClosure, NotFound, ReflectionSchema } from "./reflection-schema.js";

/** A request of either reflection package: the two are the same but for the package name. */
export type ReflectionRequest = v1.ServerReflectionRequest | v1alpha.ServerReflectionRequest;

/** The question of a request that asks one (a request without one is invalid). */
export type ReflectionQuestion = Exclude<ReflectionRequest["messageRequest"], { case: undefined }>;

/**
 * The `message_response` of a reflection answer as a plain init value, which
 * fits the response message of both packages, so one implementation serves both.
 */
export type ReflectionAnswer =
  | { case: "fileDescriptorResponse"; value: { fileDescriptorProto: Uint8Array[] } }
  | { case: "allExtensionNumbersResponse"; value: { baseTypeName: string; extensionNumber: number[] } }
  | { case: "listServicesResponse"; value: { service: { name: string }[] } }
  | { case: "errorResponse"; value: { errorCode: number; errorMessage: string } };

function files(result: FileClosure | NotFound): ReflectionAnswer {
  if ("notFound" in result) {
    return { case: "errorResponse", value: { errorCode: Code.NotFound, errorMessage: result.notFound } };
  }
  return { case: "fileDescriptorResponse", value: { fileDescriptorProto: [...result.files] } };
}

/**
 * Answers one reflection question from the schema. Lookups that find nothing
 * answer an `error_response` with NOT_FOUND, as gRPC's reflection servers do,
 * and leave the stream open for the next question.
 */
export function answerQuestion(schema: ReflectionSchema, question: ReflectionQuestion): ReflectionAnswer {
  switch (question.case) {
    case "listServices":
      return { case: "listServicesResponse", value: { service: schema.services.map((name) => ({ name })) } };
    case "fileByFilename":
      return files(schema.fileByFilename(question.value));
    case "fileContainingSymbol":
      return files(schema.fileContainingSymbol(question.value));
    case "fileContainingExtension": {
      const { containingType, extensionNumber } = question.value;
      return files(schema.fileContainingExtension(containingType, extensionNumber));
    }
    case "allExtensionNumbersOfType": {
      const result = schema.extensionNumbers(question.value);
      if ("notFound" in result) return files(result);
      const value = { baseTypeName: question.value, extensionNumber: [...result.numbers] };
      return { case: "allExtensionNumbersResponse", value };
    }
  }
}
