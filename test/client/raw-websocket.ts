import { fromBinary, fromJson, type JsonObject, toBinary, toJson } from "@bufbuild/protobuf";
import WebSocket from "ws";
import { CommandSchema, ReplySchema } from "../../gen/centrifugal/centrifuge/protocol/client_pb.js";
import type { ClientProtocol } from "../helpers/centrifuge-clients.js";

/** A reply or push as JSON with proto field names, whichever protocol carried it. */
export type RawReply = JsonObject;

export interface RawClient {
  readonly ws: WebSocket;
  /** Sends commands (proto-field-name JSON objects) as one frame, encoded for the protocol. */
  send(...commands: object[]): void;
  /** Sends bytes exactly as given. */
  sendRaw(frame: Uint8Array | string): void;
  /** Resolves with the reply to command `id`. */
  reply(id: number, timeoutMs?: number): Promise<RawReply>;
  /** Resolves with the first push (already received or coming) that passes `match`. */
  push(match: (push: JsonObject) => boolean, timeoutMs?: number): Promise<JsonObject>;
  /** Resolves with the close frame's code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

/** Varint length prefix, as the protobuf client protocol frames each message. */
function delimited(message: Uint8Array): Uint8Array {
  const prefix: number[] = [];
  let n = message.length;
  while (n >= 0x80) {
    prefix.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  prefix.push(n);
  return Buffer.concat([Buffer.from(prefix), message]);
}

function splitDelimited(frame: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < frame.length) {
    let length = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = frame[at++]!;
      length += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte >= 0x80);
    out.push(frame.subarray(at, at + length));
    at += length;
  }
  return out;
}

function decodeFrame(protocol: ClientProtocol, data: Buffer): RawReply[] {
  if (protocol === "json") {
    return data
      .toString()
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as RawReply);
  }
  return splitDelimited(data).map(
    (bytes) => toJson(ReplySchema, fromBinary(ReplySchema, bytes), { useProtoFieldName: true }) as RawReply,
  );
}

/** Protobuf JSON wants bytes as base64: JSON payloads under `data` become base64 of their text. */
function withBase64Data(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withBase64Data);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = key === "data" ? Buffer.from(JSON.stringify(v)).toString("base64") : withBase64Data(v);
  }
  return out;
}

function encodeCommand(protocol: ClientProtocol, command: object): Uint8Array {
  if (protocol === "json") return Buffer.from(JSON.stringify(command));
  const message = fromJson(CommandSchema, withBase64Data(command) as JsonObject);
  return delimited(toBinary(CommandSchema, message));
}

/**
 * A bare WebSocket speaking the client protocol by hand, for what the
 * centrifuge SDK never sends: malformed frames, flags, exact replies.
 */
export function rawClient(
  baseUrl: string,
  protocol: ClientProtocol,
  options: { query?: string; answerPings?: boolean } = {},
): Promise<RawClient> {
  const { query = "", answerPings = true } = options;
  const suffix =
    protocol === "protobuf" ? `?format=protobuf${query ? `&${query}` : ""}` : query ? `?${query}` : "";
  const ws = new WebSocket(`${baseUrl.replace(/^http/, "ws")}/connection/websocket${suffix}`);
  const received: RawReply[] = [];
  const listeners = new Set<() => void>();
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  ws.on("error", () => {});
  ws.on("message", (data: Buffer) => {
    const replies = decodeFrame(protocol, data);
    // a server ping is an empty reply; real clients answer it with an empty command
    if (answerPings && replies.some((r) => Object.keys(r).length === 0)) {
      ws.send(protocol === "json" ? "{}" : Buffer.from([0]));
    }
    received.push(...replies);
    for (const listener of listeners) listener();
  });

  function waitFor<T>(find: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = find();
        if (found === undefined) return;
        clearTimeout(timer);
        listeners.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      listeners.add(check);
      check();
    });
  }

  const client: RawClient = {
    ws,
    send: (...commands) => {
      const parts = commands.map((c) => encodeCommand(protocol, c));
      ws.send(protocol === "json" ? parts.join("\n") : Buffer.concat(parts));
    },
    sendRaw: (frame) => ws.send(frame),
    reply: (id, timeoutMs = 5000) =>
      waitFor(() => received.find((r) => r.id === id), `reply ${id}`, timeoutMs),
    push: (match, timeoutMs = 5000) =>
      waitFor(
        () => received.map((r) => r.push as JsonObject | undefined).find((p) => p !== undefined && match(p)),
        "a push",
        timeoutMs,
      ),
    closed,
    close: () => ws.close(),
  };
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(client));
    ws.once("error", reject);
  });
}
