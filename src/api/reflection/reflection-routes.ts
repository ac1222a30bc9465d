import type { DescFile } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import * as v1 from "../../../gen/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "../../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { answerQuestion, type ReflectionRequest } from "./answer-question.js";
import { createReflectionSchema, type ReflectionSchema } from "./reflection-schema.js";

/** The reflection services describe themselves too, as gRPC's own servers do. */
const reflectionFiles = [
  v1.file_grpc_reflection_v1_reflection,
  v1alpha.file_grpc_reflection_v1alpha_reflection,
];

/**
 * The bidi `ServerReflectionInfo` of either package: one answer per request, in
 * order, each echoing the request and its host. A request that asks nothing
 * ends the stream with INVALID_ARGUMENT, as gRPC's reflection servers do.
 */
function serverReflectionInfo(schema: ReflectionSchema) {
  return async function* <R extends ReflectionRequest>(requests: AsyncIterable<R>) {
    for await (const request of requests) {
      const question = request.messageRequest;
      if (question.case === undefined) {
        throw new ConnectError(
          "reflection request asks nothing: set one of its message_request fields",
          Code.InvalidArgument,
        );
      }
      const messageResponse = answerQuestion(schema, question);
      yield { validHost: request.host, originalRequest: request, messageResponse };
    }
  };
}

/**
 * Routes for gRPC server reflection, `grpc.reflection.v1` and its identical
 * predecessor `v1alpha` (still the only one some clients speak), describing the
 * services of the given files, their imports, and reflection itself. connect-es
 * has no reflection of its own (connectrpc/connect-es#507); without it, tools
 * such as buf curl and grpcurl need the .proto files to call rotor.
 */
export function createReflectionRoutes(files: readonly DescFile[]): (router: ConnectRouter) => void {
  const schema = createReflectionSchema([...files, ...reflectionFiles]);
  const info = serverReflectionInfo(schema);
  return (router) => {
    router.service(v1.ServerReflection, { serverReflectionInfo: info });
    router.service(v1alpha.ServerReflection, { serverReflectionInfo: info });
  };
}
