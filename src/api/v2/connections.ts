import { create, type MessageInitShape } from "@bufbuild/protobuf";
import type {
  DisconnectRequest,
  DisconnectResponseSchema,
  UnsubscribeRequest,
  UnsubscribeResponseSchema,
} from "../../../gen/api/api_pb.js";
import {
  DisconnectRequestSchema as CurrentDisconnectRequestSchema,
  UnsubscribeRequestSchema as CurrentUnsubscribeRequestSchema,
} from "../../../gen/centrifugal/centrifugo/api/api_pb.js";
import type { ApiService } from "../api-service.js";
import { noResult, v2BadRequest, v2Response } from "./v2-errors.js";

/** v2 Unsubscribe: `user` is required (107), unlike in the current API. */
export async function unsubscribe(
  service: ApiService,
  req: UnsubscribeRequest,
): Promise<MessageInitShape<typeof UnsubscribeResponseSchema>> {
  if (req.user === "") return v2BadRequest();
  const request = create(CurrentUnsubscribeRequestSchema, { channel: req.channel, user: req.user });
  return v2Response(await service.call("unsubscribe", request), noResult);
}

/**
 * v2 Disconnect: `user` is required (107). The connections get the current
 * "force disconnect" without reconnect (3503): v2's 3012 means "reconnect" to
 * the protocol-v2 clients rotor serves.
 */
export async function disconnect(
  service: ApiService,
  req: DisconnectRequest,
): Promise<MessageInitShape<typeof DisconnectResponseSchema>> {
  if (req.user === "") return v2BadRequest();
  const request = create(CurrentDisconnectRequestSchema, { user: req.user });
  return v2Response(await service.call("disconnect", request), noResult);
}
