import type { Logger } from "pino";
import { mapProxySwitches, sharedPollProxyName } from "../config/map-schema.js";
import type { ChannelOptions } from "../config/namespace-schema.js";
import type { ProxyOptions } from "../config/proxy-schema.js";
import type { Config } from "../config/schema.js";
import { errors } from "../errors/rotor-error.js";
import type { ProxyMetrics } from "../metrics/proxy-metrics.js";
import { type BackendProxy, createBackendProxy } from "./backend-proxy.js";
import { createBackend } from "./create-backend.js";
import {
  type ConnectionHeaders,
  captureEmulated,
  captureHeaders,
  type ForwardedHeaders,
} from "./forwarded-headers.js";

/** The channel proxies a namespace can turn on (the map ones in its `map{}` block). */
export type ChannelProxyKind =
  | "subscribe"
  | "publish"
  | "sub_refresh"
  | "subscribe_stream"
  | "map_publish"
  | "map_remove"
  | "shared_poll_refresh";
const channelKinds = ["subscribe", "publish", "sub_refresh", "subscribe_stream"] as const;

/** Every proxy the config turns on, resolved once at start-up. */
export interface Proxies {
  readonly connect: BackendProxy | undefined;
  readonly refresh: BackendProxy | undefined;
  /** The namespace's proxy of that kind, when the namespace turns it on. */
  channel(kind: ChannelProxyKind, ns: ChannelOptions): BackendProxy | undefined;
  /**
   * The proxy that answers an RPC method: by its `ns:` prefix, or
   * `rpc.without_namespace`. Throws 108 when no RPC proxy is configured at
   * all or the namespace's proxy is off, 104 for an unknown rpc namespace.
   */
  rpc(method: string): BackendProxy;
  /** The headers of a new connection that some proxy forwards. */
  capture(headers: ConnectionHeaders | undefined): ForwardedHeaders | undefined;
  /** Adds the connect command's emulated headers that some proxy forwards. */
  withEmulated(
    fwd: ForwardedHeaders | undefined,
    headers: Readonly<Record<string, string>>,
  ): ForwardedHeaders | undefined;
  close(): Promise<void>;
}

/**
 * Builds the proxies of a config: one backend (one connection pool) per proxy
 * object, shared by every namespace and kind that names it. Configs are
 * checked first (`checkProxyConfig`), so every name here resolves.
 */
export function createProxies(config: Config, log: Logger, metrics: ProxyMetrics): Proxies {
  const built = new Map<string, BackendProxy>();
  const use = (where: string, options: ProxyOptions, name = "default"): BackendProxy => {
    let proxy = built.get(where);
    if (!proxy) {
      proxy = createBackendProxy(where, options, createBackend(options, where), log, {
        proxy: metrics,
        name,
      });
      built.set(where, proxy);
    }
    return proxy;
  };
  const named = (name: string, where: string, options: ProxyOptions): BackendProxy => {
    if (name === "default") return use(where, options);
    const index = config.proxies.findIndex((p) => p.name === name);
    return use(`proxies[${index}]`, config.proxies[index]!, name);
  };

  const { connect, refresh } = config.client.proxy;
  const connectProxy = connect.enabled ? use("client.proxy.connect", connect) : undefined;
  const refreshProxy = refresh.enabled ? use("client.proxy.refresh", refresh) : undefined;

  const byNamespace = new Map<ChannelOptions, Partial<Record<ChannelProxyKind, BackendProxy>>>();
  for (const ns of [config.channel.without_namespace, ...config.channel.namespaces]) {
    const kinds: Partial<Record<ChannelProxyKind, BackendProxy>> = {};
    for (const kind of channelKinds) {
      if (!ns[`${kind}_proxy_enabled`]) continue;
      kinds[kind] = named(ns[`${kind}_proxy_name`], `channel.proxy.${kind}`, config.channel.proxy[kind]);
    }
    for (const [kind, enabled, name] of mapProxySwitches) {
      if (ns.map[enabled])
        kinds[kind] = named(ns.map[name], `channel.proxy.${kind}`, config.channel.proxy[kind]);
    }
    if (ns.subscription_type === "shared_poll") {
      const where = "channel.proxy.shared_poll_refresh";
      kinds.shared_poll_refresh = named(
        sharedPollProxyName(ns),
        where,
        config.channel.proxy.shared_poll_refresh,
      );
    }
    byNamespace.set(ns, kinds);
  }

  const { rpc } = config;
  const rpcProxy = (ns: { proxy_enabled: boolean; proxy_name: string }) =>
    ns.proxy_enabled ? named(ns.proxy_name, "rpc.proxy", rpc.proxy) : undefined;
  const rpcNamespaces = new Map(rpc.namespaces.map((ns) => [ns.name, rpcProxy(ns)]));
  const rpcDefault = rpcProxy(rpc.without_namespace);
  const rpcEnabled = rpcDefault !== undefined || [...rpcNamespaces.values()].some((p) => p !== undefined);

  const all = [...built.values()];
  const union = (pick: (p: ProxyOptions) => readonly string[], lower: boolean) =>
    new Set(all.flatMap((p) => pick(p.options).map((n) => (lower ? n.toLowerCase() : n))));
  const httpNames = union((p) => p.http_headers, true);
  const grpcNames = union((p) => p.grpc_metadata, false);
  const emulatedNames = union((p) => p.emulated_headers, true);

  return {
    connect: connectProxy,
    refresh: refreshProxy,
    channel: (kind, ns) => byNamespace.get(ns)?.[kind],
    rpc(method) {
      if (!rpcEnabled) throw errors.notAvailable();
      const at = method.indexOf(rpc.namespace_boundary);
      if (at < 0) {
        if (!rpcDefault) throw errors.notAvailable();
        return rpcDefault;
      }
      const name = method.slice(0, at);
      if (!rpcNamespaces.has(name)) throw errors.methodNotFound();
      const proxy = rpcNamespaces.get(name);
      if (!proxy) throw errors.notAvailable();
      return proxy;
    },
    capture: (headers) => captureHeaders(headers, httpNames, grpcNames),
    withEmulated(fwd, headers) {
      const emulated = captureEmulated(headers, emulatedNames);
      return emulated ? { ...fwd, emulated } : fwd;
    },
    async close() {
      await Promise.all(all.map((p) => p.close()));
    },
  };
}
