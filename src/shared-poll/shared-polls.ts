import { fromBinary, toBinary } from "@bufbuild/protobuf";
import type { Logger } from "pino";
import {
  type SharedPollPublishRequest,
  SharedPollPublishRequestSchema,
} from "../../gen/centrifugal/centrifugo/api/api_pb.js";
import type { ChannelOptions } from "../config/namespace-schema.js";
import type { Config } from "../config/schema.js";
import { errors } from "../errors/rotor-error.js";
import type { Cluster } from "../node/cluster.js";
import { surveyCodes } from "../node/surveys.js";
import type { ProxyClient } from "../proxy/backend-proxy.js";
import { sharedPollRefreshViaProxy } from "../proxy/calls/shared-poll-refresh.js";
import type { Proxies } from "../proxy/proxies.js";
import { createCallLimit } from "./call-limit.js";
import { PolledChannel } from "./polled-channel.js";
import type { TrackKeys } from "./track-signature.js";

/** The survey op that hands a `shared_poll_publish` to every node (the request message, protobuf-encoded). */
const publishOp = "shared_poll_publish";

/** The shared poll channels of this node, each polled once for all its subscriptions. */
export interface SharedPolls {
  readonly trackKeys: TrackKeys;
  /** The channel's state, created for a new subscription. */
  open(channel: string, ns: ChannelOptions): PolledChannel;
  /** The channel's state when some subscription holds it. */
  existing(channel: string): PolledChannel | undefined;
  /**
   * A versioned update from the API (data already decoded), handed to every
   * node of the cluster for the subscriptions there tracking the key;
   * fails with 100 when a node does not take it.
   */
  publish(req: SharedPollPublishRequest, data: Uint8Array): Promise<void>;
  close(): void;
}

/**
 * Refresh calls are made for the node, not for a connection: they carry no
 * client fields and end only with their deadline or the node.
 */
function nodeCaller(signal: AbortSignal): ProxyClient {
  return { id: "", transportName: "", protocol: "", user: "", meta: undefined, forwarded: undefined, signal };
}

export function createSharedPolls(
  config: Config,
  proxies: Proxies,
  cluster: Cluster,
  log: Logger,
): SharedPolls {
  const channels = new Map<string, PolledChannel>();
  const limit = createCallLimit(config.shared_poll.concurrency_limit);
  const stopped = new AbortController();
  const caller = nodeCaller(stopped.signal);
  const sp = config.shared_poll;
  cluster.onSurvey(publishOp, (bytes) => {
    const req = fromBinary(SharedPollPublishRequestSchema, bytes);
    const update = { key: req.key, data: req.data, version: Number(req.version), removed: false };
    channels.get(req.channel)?.publish({ ...update, epoch: req.epoch || undefined });
    return { code: surveyCodes.ok, data: new Uint8Array() };
  });
  return {
    trackKeys: {
      current: sp.hmac_secret_key,
      previous: sp.hmac_previous_secret_key,
      previousValidUntil: sp.hmac_previous_secret_key_valid_until,
    },
    open(channel, ns) {
      const existing = channels.get(channel);
      if (existing) return existing;
      const proxy = proxies.channel("shared_poll_refresh", ns);
      if (!proxy) throw errors.internal();
      const refresh = (keys: { key: string; version: number }[]) =>
        limit
          .run(() => sharedPollRefreshViaProxy(proxy, caller, channel, keys))
          .catch((err: Error) => {
            log.warn({ channel, error: err.message }, "shared poll refresh failed");
            return undefined;
          });
      const state = new PolledChannel(channel, ns.shared_poll, refresh, (done) => {
        if (channels.get(channel) === done) channels.delete(channel);
      });
      channels.set(channel, state);
      return state;
    },
    existing: (channel) => channels.get(channel),
    async publish(req, data) {
      const bytes = toBinary(SharedPollPublishRequestSchema, { ...req, data, b64data: "" });
      const replies = await cluster.survey(publishOp, bytes);
      if (replies.some((r) => r.code !== surveyCodes.ok)) throw errors.internal();
    },
    close() {
      stopped.abort();
      for (const state of [...channels.values()]) state.close();
    },
  };
}
