import { create } from "@bufbuild/protobuf";
import {
  type BroadcastRequest,
  BroadcastRequestSchema,
  type PublishRequest,
  PublishRequestSchema,
} from "../../gen/centrifugal/centrifugo/api/api_pb.js";
import type { PublicationDataMode } from "../config/consumers-schema.js";

/** A message's metadata (stream fields, headers) by name; the first value of a name wins. */
export type Metadata = ReadonlyMap<string, string>;

/** What a message in publication data mode asks for, or why it is skipped. */
export type PublicationCommand =
  | { readonly method: "publish"; readonly request: PublishRequest }
  | { readonly method: "broadcast"; readonly request: BroadcastRequest }
  | { readonly skip: string };

/** Go's strconv.ParseBool, which Centrifugo reads the delta flag with. */
const booleans = new Map<string, boolean>(
  ["1", "t", "T", "TRUE", "true", "True"]
    .map((t) => [t, true] as [string, boolean])
    .concat(["0", "f", "F", "FALSE", "false", "False"].map((t) => [t, false])),
);

const maxUint64 = 2n ** 64n - 1n;

/**
 * Publication data mode: the body is the publication's data as sent, and the
 * metadata names the channels (comma-separated, not trimmed: one channel is
 * a publish, several a broadcast), the idempotency key, the delta flag, the
 * version and its epoch, and the tags (every name under the tag prefix, the
 * prefix stripped). A message naming no channel, or a delta or version that
 * does not read, is skipped, whatever the transport.
 */
export function publicationCommand(
  data: Uint8Array,
  metadata: Metadata,
  mode: PublicationDataMode,
): PublicationCommand {
  const channels = (metadata.get(mode.channels) ?? "").split(",").filter((c) => c !== "");
  if (channels.length === 0) return { skip: `no channels in ${mode.channels}` };
  const deltaText = metadata.get(mode.delta) ?? "";
  const delta = deltaText === "" ? false : booleans.get(deltaText);
  if (delta === undefined) return { skip: `${mode.delta} is not a boolean: ${deltaText}` };
  const versionText = metadata.get(mode.version) ?? "";
  const version = /^\d{1,20}$/.test(versionText) ? BigInt(versionText) : versionText === "" ? 0n : -1n;
  if (version < 0n || version > maxUint64) {
    return { skip: `${mode.version} is not an unsigned integer: ${versionText}` };
  }
  const tags: Record<string, string> = {};
  if (mode.tagsPrefix !== "") {
    for (const [name, value] of metadata) {
      if (name.startsWith(mode.tagsPrefix)) tags[name.slice(mode.tagsPrefix.length)] = value;
    }
  }
  const common = {
    data,
    tags,
    delta,
    version,
    idempotencyKey: metadata.get(mode.idempotencyKey) ?? "",
    versionEpoch: metadata.get(mode.versionEpoch) ?? "",
  };
  if (channels.length === 1) {
    return { method: "publish", request: create(PublishRequestSchema, { ...common, channel: channels[0]! }) };
  }
  return { method: "broadcast", request: create(BroadcastRequestSchema, { ...common, channels }) };
}
