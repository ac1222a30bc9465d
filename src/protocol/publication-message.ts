import type { ClientInfo, Publication } from "../core/publication.js";
import type { MapPublication } from "../map-broker/types.js";
import type { ClientCodec } from "./client-codec.js";
import { isJsonValue, jsonStringOf, NotJsonError, withoutNewlines } from "./embedded-json.js";

/** How a subscriber receives a publication's payload. */
export enum PayloadForm {
  /** The payload as published. */
  Plain = 0,
  /** Delta-mode subscriber, full payload (JSON clients get it as a string). */
  DeltaFull = 1,
  /** Delta-mode subscriber, fossil delta against the previous publication. */
  DeltaPatch = 2,
}

function jsonClientInfo(info: ClientInfo): string {
  let out = `{"user":${JSON.stringify(info.user)},"client":${JSON.stringify(info.client)}`;
  if (info.connInfo?.length) out += `,"conn_info":${Buffer.from(withoutNewlines(info.connInfo)).toString()}`;
  if (info.chanInfo?.length) out += `,"chan_info":${Buffer.from(withoutNewlines(info.chanInfo)).toString()}`;
  return `${out}}`;
}

function jsonPublication(
  channel: string,
  pub: Publication,
  form: PayloadForm,
  payload: Uint8Array,
  uni: boolean,
  epoch: string,
) {
  const head = uni
    ? `{"channel":${JSON.stringify(channel)},"pub":{`
    : `{"push":{"channel":${JSON.stringify(channel)},"pub":{`;
  let tail = "";
  if (pub.info) tail += `,"info":${jsonClientInfo(pub.info)}`;
  if (pub.offset > 0) tail += `,"offset":${pub.offset}`;
  if (pub.tags && Object.keys(pub.tags).length > 0) tail += `,"tags":${JSON.stringify(pub.tags)}`;
  if (form === PayloadForm.DeltaPatch) tail += `,"delta":true`;
  if (pub.channel) tail += `,"channel":${JSON.stringify(pub.channel)}`;
  const keyed = pub as Partial<MapPublication>;
  if (keyed.key) tail += `,"key":${JSON.stringify(keyed.key)}`;
  if (keyed.removed) tail += `,"removed":true`;
  if (epoch) tail += `,"epoch":${JSON.stringify(epoch)}`;
  if (pub.version && form === PayloadForm.Plain) tail += `,"version":${pub.version}`;
  tail += uni ? "}}" : "}}}";
  if (form !== PayloadForm.Plain) {
    return Buffer.from(`${head}"data":${jsonStringOf(payload)}${tail}`);
  }
  if (payload.length === 0) return Buffer.from(`${head}${tail.slice(1)}`);
  return Buffer.concat([Buffer.from(`${head}"data":`), withoutNewlines(payload), Buffer.from(tail)]);
}

/**
 * Encodes a publication push once for every subscriber that shares this
 * codec, direction and payload form. JSON is written by hand around the raw
 * payload bytes (a payload that is not JSON throws NotJsonError); protobuf
 * goes through the generated encoder. A map change carries its `key` and
 * `removed`; `epoch` is set on the first change of a new epoch only.
 * `version` goes only with a payload sent as published, as Centrifugo
 * re-builds delta forms without it (a JSON delta subscriber's full payload is
 * a re-built string, a protobuf one's is not).
 */
export function encodePublicationMessage(
  codec: ClientCodec,
  uni: boolean,
  channel: string,
  pub: Publication,
  form: PayloadForm,
  payload: Uint8Array,
  epoch = "",
): Uint8Array {
  if (codec.name === "json") {
    if (form === PayloadForm.Plain && payload.length > 0 && !isJsonValue(payload)) {
      throw new NotJsonError("publication payload is not JSON");
    }
    return jsonPublication(channel, pub, form, payload, uni, epoch);
  }
  const message = {
    data: payload,
    info: pub.info,
    offset: BigInt(pub.offset),
    tags: pub.tags ? { ...pub.tags } : {},
    delta: form === PayloadForm.DeltaPatch,
    channel: pub.channel ?? "",
    key: (pub as Partial<MapPublication>).key ?? "",
    removed: (pub as Partial<MapPublication>).removed ?? false,
    epoch,
    version: BigInt(form === PayloadForm.DeltaPatch ? 0 : (pub.version ?? 0)),
  };
  return uni
    ? codec.encodePush({ channel, pub: message })
    : codec.encodeReply({ push: { channel, pub: message } });
}
