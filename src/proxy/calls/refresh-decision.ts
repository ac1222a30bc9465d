/**
 * What a server-side refresh (connection or subscription) comes to. A backend
 * that cannot be reached does not end anything: the expiry moves a minute on
 * and the refresh is tried again, as in Centrifugo.
 */
export type RefreshDecision =
  | { readonly kind: "expired" }
  | {
      readonly kind: "extended";
      readonly expireAt: number;
      readonly info?: Uint8Array;
      readonly meta?: Uint8Array;
    }
  | { readonly kind: "retry"; readonly expireAt: number };

/** How long a refresh waits after its backend failed. */
const retryAfterSeconds = 60;

export const retryLater = (): RefreshDecision => ({
  kind: "retry",
  expireAt: Math.floor(Date.now() / 1000) + retryAfterSeconds,
});
