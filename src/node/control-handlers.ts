import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ChannelsRequestSchema, ChannelsResultSchema } from "../../gen/centrifugal/centrifugo/api/api_pb.js";
import { unsubscribes } from "../errors/disconnect.js";
import { subscribeOptionsOf, targetOf, type UserCommand } from "./control.js";
import { compileGlob } from "./glob.js";
import type { Hub } from "./hub.js";
import { type SurveyReply, surveyCodes } from "./surveys.js";

/** Applies a server-side command to the matching connections of this node. */
export function applyControl(hub: Hub, command: UserCommand): void {
  const target = targetOf(command.value);
  for (const client of hub.targets(target)) {
    switch (command.case) {
      case "subscribe":
        client.subscribeByServer(command.value.channel, subscribeOptionsOf(command.value));
        break;
      case "unsubscribe": {
        const { channel, code, reason } = command.value;
        client.unsubscribeByServer(channel, code > 0 ? { code, reason } : unsubscribes.server);
        break;
      }
      case "disconnect": {
        const { code, reason, whitelist } = command.value;
        if (!whitelist.includes(client.id)) client.disconnect({ code, reason });
        break;
      }
      case "refresh": {
        const { expired, expireAt, info } = command.value;
        client.refreshByServer(expired, Number(expireAt), info.length > 0 ? info : undefined);
        break;
      }
    }
  }
}

/**
 * The `channels` survey (Centrifugo's op name and payloads): the channels
 * with local subscribers matching the request's pattern, with their counts.
 */
export function answerChannels(hub: Hub, data: Uint8Array): SurveyReply {
  let pattern: RegExp | undefined;
  try {
    const request = fromBinary(ChannelsRequestSchema, data);
    pattern = request.pattern ? compileGlob(request.pattern) : undefined;
    if (request.pattern && !pattern) return { code: surveyCodes.invalid, data: new Uint8Array() };
  } catch {
    return { code: surveyCodes.invalid, data: new Uint8Array() };
  }
  const channels: Record<string, { numClients: number }> = {};
  for (const [channel, numClients] of hub.channelCounts()) {
    if (!pattern || pattern.test(channel)) channels[channel] = { numClients };
  }
  return {
    code: surveyCodes.ok,
    data: toBinary(ChannelsResultSchema, create(ChannelsResultSchema, { channels })),
  };
}
