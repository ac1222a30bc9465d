import { create, type MessageInitShape } from "@bufbuild/protobuf";
import type {
  HistoryRemoveRequest,
  HistoryRemoveResponseSchema,
  HistoryRequest,
  HistoryResponseSchema,
} from "../../../gen/api/api_pb.js";
import {
  HistoryRemoveRequestSchema as CurrentHistoryRemoveRequestSchema,
  HistoryRequestSchema as CurrentHistoryRequestSchema,
} from "../../../gen/centrifugal/centrifugo/api/api_pb.js";
import type { ApiService } from "../api-service.js";
import { v2ClientInfo } from "./presence.js";
import { noResult, v2Response } from "./v2-errors.js";

/**
 * v2 History: every stored publication (v2 had no limit), oldest first. `uid`
 * stays empty as in v2.8; offsets and tags did not exist in v2.
 */
export async function history(
  service: ApiService,
  req: HistoryRequest,
): Promise<MessageInitShape<typeof HistoryResponseSchema>> {
  const request = create(CurrentHistoryRequestSchema, { channel: req.channel, limit: -1 });
  return v2Response(await service.call("history", request), (result) => ({
    publications: (result.publications ?? []).map((pub) => ({
      data: pub.data,
      info: pub.info ? v2ClientInfo(pub.info) : undefined,
    })),
  }));
}

/** v2 HistoryRemove: no result. */
export async function historyRemove(
  service: ApiService,
  req: HistoryRemoveRequest,
): Promise<MessageInitShape<typeof HistoryRemoveResponseSchema>> {
  const request = create(CurrentHistoryRemoveRequestSchema, { channel: req.channel });
  return v2Response(await service.call("historyRemove", request), noResult);
}
