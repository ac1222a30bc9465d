import { mapProxySwitches, sharedPollProxyName } from "./map-schema.js";
import type { ChannelOptions } from "./namespace-schema.js";
import { proxyProtocol } from "./proxy-endpoint.js";
import type { ProxyOptions, ProxyTlsOptions } from "./proxy-schema.js";
import type { Config } from "./schema.js";

type ChannelKind = "subscribe" | "publish" | "sub_refresh" | "subscribe_stream";
const channelKinds: readonly ChannelKind[] = ["subscribe", "publish", "sub_refresh", "subscribe_stream"];

/** A proxy object and the config path it was found at. */
interface Located {
  readonly where: string;
  readonly proxy: ProxyOptions;
}

function checkTls(where: string, tls: ProxyTlsOptions): string[] {
  return tls.enabled && !tls.cert_pem !== !tls.key_pem ? [`${where}: set both cert_pem and key_pem`] : [];
}

function checkProxy({ where, proxy }: Located, usedBy: string): string[] {
  if (proxy.endpoint === "") return [`${where}.endpoint: required by ${usedBy}`];
  if (!proxyProtocol(proxy)) {
    return [
      `${where}.endpoint: "${proxy.endpoint}" is not an http(s)://, grpc://, connect:// or host:port endpoint`,
    ];
  }
  return [...checkTls(`${where}.http.tls`, proxy.http.tls), ...checkTls(`${where}.grpc.tls`, proxy.grpc.tls)];
}

/** Finds the proxy a `*_proxy_name` refers to: "default" is the kind's own object, others come from `proxies[]`. */
function locate(
  config: Config,
  name: string,
  fallback: Located,
  usedAt: string,
): Located | { error: string } {
  if (name === "default") return fallback;
  const index = config.proxies.findIndex((p) => p.name === name);
  if (index < 0) return { error: `${usedAt}: no proxy named "${name}" in proxies` };
  return { where: `proxies[${index}]`, proxy: config.proxies[index]! };
}

function checkStream(found: Located, bidirectional: boolean, usedAt: string): string[] {
  const protocol = proxyProtocol(found.proxy);
  if (protocol === "http") return [`${usedAt}: subscribe streams need a grpc:// or connect:// endpoint`];
  if (protocol === "connect-rpc" && bidirectional && !found.proxy.connect_rpc.http2) {
    return [`${usedAt}: bidirectional streams over Connect need ${found.where}.connect_rpc.http2`];
  }
  return [];
}

function checkNamespace(config: Config, where: string, ns: ChannelOptions): string[] {
  const out: string[] = [];
  if (
    ns.subscribe_stream_proxy_enabled &&
    (ns.subscribe_proxy_enabled || ns.publish_proxy_enabled || ns.sub_refresh_proxy_enabled)
  ) {
    out.push(
      `${where}: subscribe_stream_proxy_enabled cannot be combined with subscribe, publish or sub_refresh proxies`,
    );
  }
  for (const kind of channelKinds) {
    if (!ns[`${kind}_proxy_enabled`]) continue;
    const usedAt = `${where}.${kind}_proxy_name`;
    const fallback = { where: `channel.proxy.${kind}`, proxy: config.channel.proxy[kind] };
    const found = locate(config, ns[`${kind}_proxy_name`], fallback, usedAt);
    if ("error" in found) {
      out.push(found.error);
      continue;
    }
    out.push(...checkProxy(found, `${where}.${kind}_proxy_enabled`));
    if (kind === "subscribe_stream")
      out.push(...checkStream(found, ns.subscribe_stream_proxy_bidirectional, usedAt));
  }
  for (const [kind, enabled, name] of mapProxySwitches) {
    if (!ns.map[enabled]) continue;
    const fallback = { where: `channel.proxy.${kind}`, proxy: config.channel.proxy[kind] };
    const found = locate(config, ns.map[name], fallback, `${where}.map.${name}`);
    out.push(...("error" in found ? [found.error] : checkProxy(found, `${where}.map.${enabled}`)));
  }
  if (ns.subscription_type === "shared_poll") {
    const fallback = {
      where: "channel.proxy.shared_poll_refresh",
      proxy: config.channel.proxy.shared_poll_refresh,
    };
    const found = locate(config, sharedPollProxyName(ns), fallback, `${where}.shared_poll.proxy_name`);
    out.push(
      ...("error" in found ? [found.error] : checkProxy(found, `${where}.subscription_type shared_poll`)),
    );
  }
  return out;
}

function checkNames(list: readonly { name: string }[], where: string, what: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  list.forEach(({ name }, i) => {
    if (seen.has(name)) out.push(`${where}[${i}].name: duplicate ${what} "${name}"`);
    seen.add(name);
  });
  return out;
}

function checkRpc(config: Config): string[] {
  const { rpc } = config;
  const out = checkNames(rpc.namespaces, "rpc.namespaces", "rpc namespace");
  const entries: [string, { proxy_enabled: boolean; proxy_name: string }][] = [
    ["rpc.without_namespace", rpc.without_namespace],
    ...rpc.namespaces.map((ns, i) => [`rpc.namespaces[${i}]`, ns] as [string, typeof ns]),
  ];
  for (const [where, ns] of entries) {
    if (!ns.proxy_enabled) continue;
    const found = locate(
      config,
      ns.proxy_name,
      { where: "rpc.proxy", proxy: rpc.proxy },
      `${where}.proxy_name`,
    );
    out.push(...("error" in found ? [found.error] : checkProxy(found, `${where}.proxy_enabled`)));
  }
  return out;
}

/**
 * Rules across the proxy options: every proxy a switch turns on exists and has
 * a usable endpoint, subscribe streams use gRPC or Connect, names are unique.
 * Messages name the path of the option to fix.
 */
export function checkProxyConfig(config: Config): string[] {
  const out = checkNames(config.proxies, "proxies", "proxy name");
  for (const kind of ["connect", "refresh"] as const) {
    const proxy = config.client.proxy[kind];
    if (proxy.enabled)
      out.push(...checkProxy({ where: `client.proxy.${kind}`, proxy }, `client.proxy.${kind}.enabled`));
  }
  out.push(...checkNamespace(config, "channel.without_namespace", config.channel.without_namespace));
  config.channel.namespaces.forEach((ns, i) => {
    out.push(...checkNamespace(config, `channel.namespaces[${i}]`, ns));
  });
  out.push(...checkRpc(config));
  return [...new Set(out)];
}
