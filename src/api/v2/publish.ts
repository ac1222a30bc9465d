import { create, type MessageInitShape } from "@bufbuild/protobuf";
import type {
  BroadcastRequest,
  BroadcastResponseSchema,
  PublishRequest,
  PublishResponseSchema,
} from "../../../gen/api/api_pb.js";
import {
  BroadcastRequestSchema as CurrentBroadcastRequestSchema,
  PublishRequestSchema as CurrentPublishRequestSchema,
} from "../../../gen/centrifugal/centrifugo/api/api_pb.js";
import { ErrorCode } from "../../errors/rotor-error.js";
import type { ApiService } from "../api-service.js";
import { noResult, toV2Error, v2BadRequest, v2Response } from "./v2-errors.js";

/**
 * v2 Publish: no result, and empty data is 107 before the namespace is looked
 * up (the current API checks the namespace first).
 */
export async function publish(
  service: ApiService,
  req: PublishRequest,
): Promise<MessageInitShape<typeof PublishResponseSchema>> {
  if (req.channel === "" || req.data.length === 0) return v2BadRequest();
  const request = create(CurrentPublishRequestSchema, { channel: req.channel, data: req.data });
  return v2Response(await service.call("publish", request), noResult);
}

/**
 * v2 Broadcast, all or nothing: every channel is checked first and the first
 * bad one (in request order) fails the call with nothing published; then all
 * are published, and any failure is 100 for the whole call, as v2 answered.
 */
export async function broadcast(
  service: ApiService,
  req: BroadcastRequest,
): Promise<MessageInitShape<typeof BroadcastResponseSchema>> {
  if (req.channels.length === 0 || req.data.length === 0) return v2BadRequest();
  for (const channel of req.channels) {
    const refused = service.checkChannel(channel);
    if (refused) return { error: toV2Error(refused) };
  }
  const request = create(CurrentBroadcastRequestSchema, { channels: req.channels, data: req.data });
  const outcome = await service.call("broadcast", request);
  if ("result" in outcome && outcome.result.responses?.some((r) => r.error)) {
    return { error: toV2Error({ code: ErrorCode.Internal }) };
  }
  return v2Response(outcome, noResult);
}
