import type { ConnectionClaims } from "../auth/token-verifier.js";
import type { ClientInfo } from "../core/publication.js";

/** What a connection refresh may bring besides the new expiry; absent fields keep their value. */
export interface IdentityChanges {
  readonly info?: Uint8Array | undefined;
  readonly meta?: Uint8Array | undefined;
}

/**
 * Who a connection's client is, apart from the connection itself: the user
 * its credentials name, the info others see in its presence, publications
 * and join/leave, when the credentials expire, and the connect proxy's
 * server-only meta. Connect sets it; a client token refresh, the refresh
 * proxy or the API's Refresh change it later.
 */
export class Identity {
  /** "" when anonymous. */
  user = "";
  info: Uint8Array | undefined;
  /** Unix seconds when the connection expires unless refreshed; 0 never. */
  expireAt = 0;
  /** Server-only metadata from the connect proxy, sent to proxies with `include_connection_meta`. */
  meta: Uint8Array | undefined;
  /** A refresh proxy call for this connection is in flight. */
  refreshing = false;

  /** Takes what the connect credentials say; null is an anonymous client that never expires. */
  establish(claims: Pick<ConnectionClaims, "user" | "info" | "meta" | "expireAt"> | null): void {
    this.user = claims?.user ?? "";
    this.info = claims?.info;
    this.meta = claims?.meta;
    this.expireAt = claims?.expireAt ?? 0;
  }

  /** A refresh: the new expiry (0 never), with the info and meta it brings. */
  refresh(expireAt: number, changes: IdentityChanges = {}): void {
    this.expireAt = expireAt;
    if (changes.info) this.info = changes.info;
    if (changes.meta) this.meta = changes.meta;
  }

  /** Whether the credentials have an expiry that has passed (`nowSeconds`: unix seconds). */
  expiredAt(nowSeconds: number): boolean {
    return this.expireAt > 0 && this.expireAt < nowSeconds;
  }

  /** How this client appears to others in presence, join/leave and publications, with a subscription's channel info. */
  clientInfo(client: string, chanInfo?: Uint8Array): ClientInfo {
    return { user: this.user, client, connInfo: this.info, chanInfo };
  }
}
