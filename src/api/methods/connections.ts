import type { MessageInitShape } from "@bufbuild/protobuf";
import type {
  BoolValue,
  DisconnectRequest,
  DisconnectResultSchema,
  RefreshRequest,
  RefreshResultSchema,
  SubscribeRequest,
  SubscribeResultSchema,
  UnsubscribeRequest,
  UnsubscribeResultSchema,
} from "../../../gen/centrifugal/centrifugo/api/api_pb.js";
import { disconnects } from "../../errors/disconnect.js";
import type { ConnectionFilter } from "../../node/control.js";
import type { Node } from "../../node/node.js";
import { apiErrors } from "../api-errors.js";
import { payload } from "./payload.js";

const nonEmpty = (bytes: Uint8Array) => (bytes.length > 0 ? bytes : undefined);
const flag = (v: BoolValue | undefined) => v?.value;

function target(req: { user: string; client: string; session: string }): ConnectionFilter {
  return { user: req.user, client: req.client || undefined, session: req.session || undefined };
}

/** Subscribe: puts the user's connections (all nodes) into a channel, as if they had subscribed. */
export async function subscribe(
  node: Node,
  req: SubscribeRequest,
): Promise<MessageInitShape<typeof SubscribeResultSchema>> {
  if (req.channel === "") throw apiErrors.badRequest();
  node.channel(req.channel);
  const data = payload(req.data, req.b64data);
  const info = payload(req.info, req.b64info);
  const o = req.override;
  await node.subscribeUser(target(req), req.channel, {
    expireAt: Number(req.expireAt),
    chanInfo: nonEmpty(info),
    data: nonEmpty(data),
    recoverSince: req.recoverSince
      ? { offset: Number(req.recoverSince.offset), epoch: req.recoverSince.epoch }
      : undefined,
    override: {
      presence: flag(o?.presence),
      joinLeave: flag(o?.joinLeave),
      forcePushJoinLeave: flag(o?.forcePushJoinLeave),
      forceRecovery: flag(o?.forceRecovery),
      forcePositioning: flag(o?.forcePositioning),
    },
  });
  return {};
}

/** Unsubscribe: removes the user's connections from a channel; clients see code 2000. */
export async function unsubscribe(
  node: Node,
  req: UnsubscribeRequest,
): Promise<MessageInitShape<typeof UnsubscribeResultSchema>> {
  if (req.channel !== "") node.channel(req.channel);
  await node.unsubscribeUser(target(req), req.channel);
  return {};
}

/** Disconnect: closes the user's connections (3503 unless a code is given), sparing the whitelist. */
export async function disconnect(
  node: Node,
  req: DisconnectRequest,
): Promise<MessageInitShape<typeof DisconnectResultSchema>> {
  const d = req.disconnect
    ? { code: req.disconnect.code, reason: req.disconnect.reason }
    : disconnects.forceNoReconnect;
  await node.disconnectUser(target(req), d, req.whitelist);
  return {};
}

/** Refresh: extends, ends or un-expires the user's connections. */
export async function refresh(
  node: Node,
  req: RefreshRequest,
): Promise<MessageInitShape<typeof RefreshResultSchema>> {
  await node.refreshUser(target(req), req.expired, Number(req.expireAt), nonEmpty(req.info));
  return {};
}
