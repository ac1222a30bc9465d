import type { MessageInitShape } from "@bufbuild/protobuf";
import type {
  BroadcastRequest,
  BroadcastResultSchema,
  PublishRequest,
  PublishResponseSchema,
  PublishResultSchema,
} from "../../../gen/centrifugal/centrifugo/api/api_pb.js";
import type { Node } from "../../node/node.js";
import { apiErrors, engineFailure, errorInit, toApiError } from "../api-errors.js";
import { checkDataFormat, payload } from "./payload.js";

type PublishOptions = Omit<PublishRequest, "channel" | "data" | "b64data" | "$typeName" | "$unknown">;

/** An engine's failure as the API reports it (hoisted: one handler for every publish). */
function rethrowEngineFailure(err: unknown): never {
  throw engineFailure(err);
}

/** The API's result of a publication the engine stored (hoisted, as above). */
function publishResult(result: { offset: number; epoch: string }) {
  return { offset: BigInt(result.offset), epoch: result.epoch };
}

/** One publication; a bad channel or payload throws before anything is published. */
function publishOne(
  node: Node,
  channel: string,
  data: Uint8Array,
  o: PublishOptions,
): Promise<MessageInitShape<typeof PublishResultSchema>> {
  if (channel === "") throw apiErrors.badRequest();
  const info = node.channel(channel);
  checkDataFormat(data, info.options.publication_data_format);
  return node
    .publish(
      channel,
      data,
      {
        skipHistory: o.skipHistory,
        tags: o.tags,
        idempotencyKey: o.idempotencyKey || undefined,
        delta: o.delta,
        version: o.version > 0n ? Number(o.version) : undefined,
        versionEpoch: o.versionEpoch || undefined,
      },
      info,
    )
    .then(publishResult, rethrowEngineFailure);
}

/** Publish: one payload into one channel, stored in history when the namespace keeps it. */
export function publish(
  node: Node,
  req: PublishRequest,
): Promise<MessageInitShape<typeof PublishResultSchema>> {
  return publishOne(node, req.channel, payload(req.data, req.b64data), req);
}

/**
 * Broadcast: the same payload into many channels at once. Only an empty
 * channel list or bad base64 fails the whole call; every channel gets its own
 * result or error, in request order.
 */
export async function broadcast(
  node: Node,
  req: BroadcastRequest,
): Promise<MessageInitShape<typeof BroadcastResultSchema>> {
  if (req.channels.length === 0) throw apiErrors.badRequest();
  const data = payload(req.data, req.b64data);
  const responses = await Promise.all(
    req.channels.map(async (channel): Promise<MessageInitShape<typeof PublishResponseSchema>> => {
      try {
        return { result: await publishOne(node, channel, data, req) };
      } catch (err) {
        return { error: errorInit(toApiError(err)) };
      }
    }),
  );
  return { responses };
}
