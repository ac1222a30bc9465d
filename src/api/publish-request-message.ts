import type { PublishRequest } from "../../gen/centrifugal/centrifugo/api/api_pb.js";

/**
 * The `PublishRequest` protobuf-es makes (`create`, `fromBinary`,
 * `fromJson`) when only the channel and data are set: the same fields in the
 * same order, built as one literal. The readers that take the common publish
 * body apart themselves (HTTP JSON, and the direct unary path's binary and
 * JSON) all end here, so their messages are the reflective readers' exactly.
 */
export function publishRequestMessage(channel: string, data: Uint8Array): PublishRequest {
  const message: Omit<PublishRequest, "data"> & { data: Uint8Array } = {
    $typeName: "centrifugal.centrifugo.api.PublishRequest",
    channel,
    data,
    b64data: "",
    skipHistory: false,
    tags: {},
    idempotencyKey: "",
    delta: false,
    version: 0n,
    versionEpoch: "",
  };
  return message as PublishRequest;
}
