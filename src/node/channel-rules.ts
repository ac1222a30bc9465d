import type { ChannelOptions } from "../config/namespace-schema.js";
import type { Config } from "../config/schema.js";

/** A channel name taken apart by Centrifugo's rules: `[$][namespace:]rest[#user1,user2]`. */
export interface ChannelInfo {
  readonly namespace: string;
  readonly options: ChannelOptions;
  readonly isPrivate: boolean;
  /** Users allowed by a `#user1,user2` suffix, or undefined when the name has none. */
  readonly allowedUsers: readonly string[] | undefined;
  readonly rest: string;
}

/** Resolves channel names to their namespace options; one instance per config. */
export interface ChannelRules {
  /** Undefined when the channel's namespace is not configured (error 102). */
  resolve(channel: string): ChannelInfo | undefined;
  /** False when the name is too long, not ASCII, or fails the namespace's channel_regex (error 107). */
  isValidName(channel: string, info: ChannelInfo): boolean;
  /** The history_meta_ttl in force for a namespace, in ms. */
  metaTtl(options: ChannelOptions): number;
}

const ascii = /^[\x20-\x7e]*$/;

export function createChannelRules(channel: Config["channel"]): ChannelRules {
  const namespaces = new Map<string, ChannelOptions>(channel.namespaces.map((ns) => [ns.name, ns]));
  const regexes = new Map<ChannelOptions, RegExp>();
  for (const options of [channel.without_namespace, ...namespaces.values()]) {
    if (options.channel_regex) regexes.set(options, new RegExp(options.channel_regex));
  }
  const cache = new Map<string, ChannelInfo | undefined>();

  function parse(name: string): ChannelInfo | undefined {
    const isPrivate = channel.private_prefix !== "" && name.startsWith(channel.private_prefix);
    const bare = isPrivate ? name.slice(channel.private_prefix.length) : name;
    const at = bare.indexOf(channel.namespace_boundary);
    const namespace = at < 0 ? "" : bare.slice(0, at);
    const rest = at < 0 ? bare : bare.slice(at + channel.namespace_boundary.length);
    const options = namespace === "" ? channel.without_namespace : namespaces.get(namespace);
    if (!options) return undefined;
    const userAt = channel.user_boundary ? rest.lastIndexOf(channel.user_boundary) : -1;
    const allowedUsers =
      userAt < 0
        ? undefined
        : rest.slice(userAt + channel.user_boundary.length).split(channel.user_separator);
    return { namespace, options, isPrivate, allowedUsers, rest };
  }

  return {
    resolve(name) {
      if (cache.has(name)) return cache.get(name);
      const info = parse(name);
      if (cache.size > 10_000) cache.clear();
      cache.set(name, info);
      return info;
    },
    isValidName(name, info) {
      if (name.length > channel.max_length) return false;
      const regex = regexes.get(info.options);
      return regex ? regex.test(info.rest) : ascii.test(name);
    },
    metaTtl(options) {
      return options.history_meta_ttl || channel.history_meta_ttl;
    },
  };
}
