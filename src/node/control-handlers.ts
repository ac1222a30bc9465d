import type { ControlMessage } from "./control.js";
import type { Hub } from "./hub.js";
import type { Node } from "./node.js";

type TargetedMessage = Extract<ControlMessage, { target: unknown }>;

/** Applies a server-side command to the matching connections of this node. */
export function applyControl(hub: Hub, message: TargetedMessage): void {
  for (const client of hub.targets(message.target)) {
    switch (message.type) {
      case "subscribe":
        client.subscribeByServer(message.channel, message.options);
        break;
      case "unsubscribe":
        client.unsubscribeByServer(message.channel);
        break;
      case "disconnect":
        if (!message.whitelist.includes(client.id))
          client.disconnect({ code: message.code, reason: message.reason });
        break;
      case "refresh":
        client.refreshByServer(
          message.expired,
          message.expireAt,
          message.info === undefined ? undefined : Buffer.from(message.info, "base64"),
        );
        break;
    }
  }
}

/** Answers a survey from another node (or this one) about local state. */
export function answerSurvey(node: Node, op: string): unknown {
  switch (op) {
    case "channels":
      return [...node.hub.channelCounts()];
    default:
      return null;
  }
}
