const newline = Buffer.from("\n");
const eventStart = Buffer.from("data: ");
const eventEnd = Buffer.from("\n\n");

/** How a streaming HTTP transport turns a batch of encoded messages into bytes on the wire. */
export type Framing = (messages: readonly Uint8Array[]) => Uint8Array;

/** JSON over an HTTP stream: every message ends with a newline, so readers split lines as they arrive. */
export const newlineTerminated: Framing = (messages) => {
  const parts: Uint8Array[] = [];
  for (const message of messages) parts.push(message, newline);
  return Buffer.concat(parts);
};

/** Protobuf over an HTTP stream: the messages are varint-delimited already, so they are only joined. */
export const lengthDelimited: Framing = (messages) =>
  messages.length === 1 ? messages[0]! : Buffer.concat(messages);

/**
 * Server-sent events: one `data:` event per message. JSON messages never hold a
 * raw newline, so each fits one `data:` line and an EventSource sees one message per event.
 */
export const serverSentEvents: Framing = (messages) => {
  const parts: Uint8Array[] = [];
  for (const message of messages) parts.push(eventStart, message, eventEnd);
  return Buffer.concat(parts);
};
