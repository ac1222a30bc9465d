import type { SubscribeRequest } from "../../gen/centrifugal/centrifuge/protocol/client_pb.js";
import type { SubscriptionClaims } from "../auth/token-verifier.js";
import type { ChannelOptions } from "../config/namespace-schema.js";
import { disconnects } from "../errors/disconnect.js";
import { errors } from "../errors/rotor-error.js";
import type { ChannelInfo } from "../node/channel-rules.js";
import { type FilterNode, validateFilter } from "../tags-filter/filter-node.js";
import type { Connection } from "./connection.js";
import { canSubscribeWithoutToken } from "./permissions.js";
import { authorizeByBackend, type BackendGrant } from "./subscribe-backend.js";

/** Why a client may subscribe: its token, the backend, or the namespace's permissions. */
export type Authorization =
  | { readonly via: "token"; readonly claims: SubscriptionClaims }
  | BackendGrant
  | { readonly via: "permission" };

/**
 * Centrifugo's order: a token is verified; a private channel needs one; a
 * user-limited channel admits its users; then the namespace's subscribe or
 * stream proxy decides; then the namespace's permissions.
 */
export async function authorize(
  s: Connection,
  req: SubscribeRequest,
  channel: ChannelInfo,
): Promise<Authorization> {
  if (req.token !== "") {
    const verified = await s.ctx.tokens.verifySubscriptionToken(req.token);
    if ("error" in verified)
      throw verified.error === "expired" ? errors.tokenExpired() : errors.permissionDenied();
    const claims = verified.claims;
    if (
      claims.channel !== req.channel ||
      claims.user !== s.user ||
      (claims.client && claims.client !== s.id)
    ) {
      throw disconnects.invalidToken;
    }
    return { via: "token", claims };
  }
  if (channel.isPrivate) throw errors.permissionDenied();
  const userLimited = channel.options.allow_user_limited_channels && channel.allowedUsers;
  const granted = userLimited ? undefined : await authorizeByBackend(s, req, channel);
  if (granted) return granted;
  if (!canSubscribeWithoutToken(s, channel)) throw errors.permissionDenied();
  return { via: "permission" };
}

/**
 * A client's tags filter (on a stream or a map subscription) is refused with
 * 107, as Centrifugo does, where the namespace does not set
 * `allow_tags_filter` or the filter is not valid (the reason is logged, not sent).
 */
export function checkTagsFilter(s: Connection, filter: FilterNode, ns: ChannelOptions): void {
  const invalid = ns.allow_tags_filter ? validateFilter(filter) : "allow_tags_filter is off";
  if (invalid === undefined) return;
  s.ctx.log.debug({ client: s.id, reason: invalid }, "tags filter refused");
  throw errors.badRequest();
}
