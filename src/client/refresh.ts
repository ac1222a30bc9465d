import type {
  RefreshRequest,
  SubRefreshRequest,
} from "../../gen/centrifugal/centrifuge/protocol/client_pb.js";
import { disconnects } from "../errors/disconnect.js";
import { errors } from "../errors/rotor-error.js";
import type { Connection } from "./connection.js";
import { handleTrackRefresh } from "./shared-poll-track.js";
import { ttlUntil } from "./wire.js";

/**
 * Client `refresh`: a fresh connection token extends (or ends) the
 * connection's life. With a refresh proxy the server refreshes connections
 * itself, so a client refresh is a protocol violation.
 */
export async function handleRefresh(s: Connection, id: number, req: RefreshRequest): Promise<void> {
  if (req.token === "" || s.ctx.proxies.refresh) throw disconnects.badRequest;
  const verified = await s.ctx.tokens.verifyConnectToken(req.token);
  if ("error" in verified)
    throw verified.error === "expired" ? disconnects.expired : disconnects.invalidToken;
  if (verified.claims.user !== s.user) throw disconnects.invalidToken;
  const identity = s.identity;
  identity.refresh(s.insecure ? 0 : verified.claims.expireAt, { info: verified.claims.info });
  const { expireAt } = identity;
  s.reply(id, {
    refresh: { client: s.id, version: s.ctx.version, expires: expireAt > 0, ttl: ttlUntil(expireAt) },
  });
}

/** Client `sub_refresh`: a fresh subscription token extends the subscription (types 1 and 2 track keys). */
export async function handleSubRefresh(s: Connection, id: number, req: SubRefreshRequest): Promise<void> {
  if (req.type !== 0) return handleTrackRefresh(s, id, req);
  const sub = s.subscriptions.get(req.channel);
  if (!sub) throw errors.permissionDenied();
  if (req.token === "") throw errors.badRequest();
  const verified = await s.ctx.tokens.verifySubscriptionToken(req.token);
  if ("error" in verified) {
    throw verified.error === "expired" ? errors.tokenExpired() : disconnects.invalidToken;
  }
  const claims = verified.claims;
  if (claims.channel !== req.channel || claims.user !== s.user) throw disconnects.invalidToken;
  if (claims.expireAt > 0 && claims.expireAt < Date.now() / 1000) throw errors.expired();
  sub.expireAt = s.insecure ? 0 : claims.expireAt;
  s.reply(id, { subRefresh: { expires: sub.expireAt > 0, ttl: ttlUntil(sub.expireAt) } });
}

/** API Refresh on this connection: expire it now, move its expiry, or make it non-expiring. */
export function refreshByServer(
  s: Connection,
  expired: boolean,
  expireAt: number,
  info: Uint8Array | undefined,
) {
  if (expired || (expireAt > 0 && expireAt < Date.now() / 1000)) {
    s.close(disconnects.expired);
    return;
  }
  s.identity.refresh(expireAt, { info: info && info.length > 0 ? info : undefined });
  s.push({ refresh: { expires: expireAt > 0, ttl: expireAt > 0 ? ttlUntil(expireAt) : 0 } });
}
