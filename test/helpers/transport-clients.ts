import { Centrifuge, type Options } from "centrifuge";
import { Centrifuge as CentrifugeProtobuf } from "centrifuge/build/protobuf";
import WebSocket from "ws";
import type { ClientProtocol } from "./centrifuge-clients.js";

/** A JSON message stream read from a transport, and how it ended. */
export interface MessageStream {
  /** HTTP status of the response (101 for an accepted WebSocket). */
  readonly status: number;
  /** Resolves with the first message the predicate accepts, discarding those before; pings `{}` count only if asked for. */
  take(
    predicate?: (message: Record<string, unknown>) => boolean,
    timeoutMs?: number,
    pings?: boolean,
  ): Promise<Record<string, unknown>>;
  /** Resolves when the stream ends: the WebSocket close code and reason, or nothing for HTTP. */
  readonly ended: Promise<{ code?: number; reason?: string }>;
  /** Every message received so far, pings included. */
  readonly received: Record<string, unknown>[];
  close(): void;
}

function createStream(status: number, close: () => void) {
  const received: Record<string, unknown>[] = [];
  let cursor = 0;
  let wake = () => {};
  let finish: (info: { code?: number; reason?: string }) => void = () => {};
  const ended = new Promise<{ code?: number; reason?: string }>((resolve) => {
    finish = resolve;
  });
  let done = false;
  const stream: MessageStream = {
    status,
    received,
    ended,
    close,
    async take(predicate = () => true, timeoutMs = 5000, pings = false) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        while (cursor < received.length) {
          const message = received[cursor++]!;
          if ((pings || Object.keys(message).length > 0) && predicate(message)) return message;
        }
        if (done) throw new Error(`stream ended; received ${JSON.stringify(received)}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timed out; received ${JSON.stringify(received)}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    },
  };
  return {
    stream,
    add(message: Record<string, unknown>) {
      received.push(message);
      wake();
    },
    end(info: { code?: number; reason?: string } = {}) {
      done = true;
      finish(info);
      wake();
    },
  };
}

/** Reads a body to its end as text chunks; throws when it is aborted or cut. */
async function readText(body: ReadableStream<Uint8Array>, onText: (text: string) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    onText(decoder.decode(value, { stream: true }));
  }
}

/** Splits server-sent events out of text as it arrives; calls `onData` with each event's data. */
export function sseParser(onData: (data: string) => void): (text: string) => void {
  let buffer = "";
  return (text) => {
    buffer += text.replace(/\r\n?/g, "\n");
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = event
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).replace(/^ /, ""));
      if (data.length > 0) onData(data.join("\n"));
      end = buffer.indexOf("\n\n");
    }
  };
}

type Framing = "lines" | "sse";

/** Opens an HTTP transport with fetch and reads its JSON messages, newline-terminated or as SSE events. */
export async function openHttpStream(
  url: string,
  init: RequestInit,
  framing: Framing,
): Promise<MessageStream> {
  const abort = new AbortController();
  const res = await fetch(url, { ...init, signal: abort.signal });
  const { stream, add, end } = createStream(res.status, () => abort.abort());
  if (!res.ok || !res.body) {
    await res.text();
    end();
    return stream;
  }
  let onText: (text: string) => void;
  if (framing === "sse") {
    onText = sseParser((data) => add(JSON.parse(data)));
  } else {
    let buffer = "";
    onText = (text) => {
      buffer += text;
      const lines = buffer.split("\n");
      buffer = lines.pop()!;
      for (const line of lines) add(JSON.parse(line));
    };
  }
  // Aborted by the test or cut by the server: either way the stream is over.
  readText(res.body, onText).then(
    () => end(),
    () => end(),
  );
  return stream;
}

/** Opens `/connection/uni_websocket`, sending `firstMessage` (a connect request) once open when given. */
export function openUniWebSocket(
  url: string,
  firstMessage?: string,
  headers: Record<string, string> = {},
): Promise<MessageStream> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on("unexpected-response", (_req, res) => {
      const { stream, end } = createStream(res.statusCode ?? 0, () => {});
      res.resume();
      end();
      resolve(stream);
    });
    ws.on("error", () => {});
    ws.on("open", () => {
      const { stream, add, end } = createStream(101, () => ws.close());
      ws.on("message", (data: Buffer) => {
        for (const line of data.toString("utf8").split("\n")) add(JSON.parse(line));
      });
      ws.on("close", (code, reason) => end({ code, reason: reason.toString() }));
      if (firstMessage !== undefined) ws.send(firstMessage);
      resolve(stream);
    });
  });
}

/**
 * The runtime's own EventSource (undici's), handed to centrifuge-js. Node 20
 * has it behind `--experimental-eventsource`, which `npm test` passes.
 */
function eventSource(): unknown {
  const impl = (globalThis as { EventSource?: unknown }).EventSource;
  if (!impl) throw new Error("no EventSource: run node with --experimental-eventsource (npm test does)");
  return impl;
}

export type EmulationTransport = "http_stream" | "sse";

/** A real centrifuge-js client that connects over HTTP-streaming or SSE with rotor's `/emulation`. */
export function emulationClient(
  baseUrl: string,
  transport: EmulationTransport,
  protocol: ClientProtocol,
  options: Partial<Options> = {},
): Centrifuge {
  const Ctor = protocol === "json" ? Centrifuge : (CentrifugeProtobuf as unknown as typeof Centrifuge);
  return new Ctor([{ transport, endpoint: `${baseUrl}/connection/${transport}` }], {
    emulationEndpoint: `${baseUrl}/emulation`,
    eventsource: eventSource(),
    minReconnectDelay: 50,
    maxReconnectDelay: 200,
    ...options,
  });
}

/** Every way a unidirectional client can connect, each opening with a JSON ConnectRequest. */
export const uniClients = {
  "uni_websocket, request as first message": (url: string, request: object) =>
    openUniWebSocket(`${url.replace(/^http/, "ws")}/connection/uni_websocket`, JSON.stringify(request)),
  "uni_websocket, request in cf_connect": (url: string, request: object) =>
    openUniWebSocket(
      `${url.replace(/^http/, "ws")}/connection/uni_websocket?cf_connect=${encodeURIComponent(JSON.stringify(request))}`,
    ),
  "uni_sse, GET with cf_connect": (url: string, request: object) =>
    openHttpStream(
      `${url}/connection/uni_sse?cf_connect=${encodeURIComponent(JSON.stringify(request))}`,
      { method: "GET" },
      "sse",
    ),
  "uni_sse, POST": (url: string, request: object) =>
    openHttpStream(`${url}/connection/uni_sse`, { method: "POST", body: JSON.stringify(request) }, "sse"),
  uni_http_stream: (url: string, request: object) =>
    openHttpStream(
      `${url}/connection/uni_http_stream`,
      { method: "POST", body: JSON.stringify(request) },
      "lines",
    ),
} as const;
