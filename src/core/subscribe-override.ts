/**
 * Channel options one subscription may set in place of its namespace's
 * (absent: the namespace's): from a subscription or connection token, the
 * subscribe proxy, or the server API.
 */
export interface SubscribeOverride {
  readonly presence?: boolean | undefined;
  readonly joinLeave?: boolean | undefined;
  readonly forcePushJoinLeave?: boolean | undefined;
  readonly forceRecovery?: boolean | undefined;
  readonly forcePositioning?: boolean | undefined;
}
