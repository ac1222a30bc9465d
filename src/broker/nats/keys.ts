import type { NatsConfig } from "../../config/engine-schema.js";

/** Rewrites every occurrence of the map's keys, left to right, as Go's strings.Replacer does. */
function replacer(replacements: Readonly<Record<string, string>>): (channel: string) => string {
  const keys = Object.keys(replacements).filter((key) => key !== "");
  if (keys.length === 0) return (channel) => channel;
  const pattern = new RegExp(keys.map((key) => key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g");
  return (channel) => channel.replace(pattern, (found) => replacements[found]!);
}

/**
 * Centrifugo's NATS subject for a channel: `<prefix>.client.<channel>` (dots
 * in the channel become subject tokens), or in raw mode the raw prefix plus
 * the channel after `channel_replacements` (e.g. `{":": "."}`), so rotor can
 * read subjects that other NATS publishers write.
 */
export function natsKeys(config: NatsConfig) {
  const raw = config.raw_mode;
  const clientPrefix = raw.enabled ? raw.prefix : `${config.prefix}.client.`;
  const replace = raw.enabled ? replacer(raw.channel_replacements) : (channel: string) => channel;
  return {
    subject: (channel: string) => clientPrefix + replace(channel),
    /** The channel a received subject names, as Publication.channel tells subscribers (replacements stay). */
    channelOf: (subject: string) =>
      subject.startsWith(clientPrefix) ? subject.slice(clientPrefix.length) : subject,
  };
}

/** A channel NATS would read as a pattern: `*` matches one subject token, `>` the rest. */
export const isWildcard = (channel: string) => channel.includes("*") || channel.includes(">");
