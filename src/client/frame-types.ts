import type { Command } from "../../gen/centrifugal/centrifuge/protocol/client_pb.js";
import type { PushInit, ReplyInit } from "../protocol/client-codec.js";

/** Command fields and the method names Centrifugo's metrics label them with. */
const methods = [
  ["connect", "connect"],
  ["subscribe", "subscribe"],
  ["unsubscribe", "unsubscribe"],
  ["publish", "publish"],
  ["presence", "presence"],
  ["presenceStats", "presence_stats"],
  ["history", "history"],
  ["rpc", "rpc"],
  ["refresh", "refresh"],
  ["subRefresh", "sub_refresh"],
  ["send", "send"],
] as const;

/** The method of a client command (`presence_stats`…); an empty command is the client's pong. */
export function commandMethod(command: Command): string {
  for (const [field, name] of methods) if (command[field]) return name;
  return command.id === 0 ? "client_pong" : "unknown";
}

/** The frame type of a reply: the method it answers, or `error`. */
export function replyFrameType(reply: Omit<ReplyInit, "id" | "$typeName">): string {
  if (reply.error) return "error";
  if (reply.push) return pushFrameType(reply.push);
  for (const [field, name] of methods) if (reply[field as keyof typeof reply]) return name;
  return "unknown";
}

const pushes = [
  "pub",
  "join",
  "leave",
  "unsubscribe",
  "message",
  "subscribe",
  "connect",
  "disconnect",
  "refresh",
] as const;

/** `push_publication`, `push_join`…: the frame type of an asynchronous push. */
export function pushFrameType(push: PushInit): string {
  for (const field of pushes) if (push[field]) return field === "pub" ? "push_publication" : `push_${field}`;
  return "push_unknown";
}
