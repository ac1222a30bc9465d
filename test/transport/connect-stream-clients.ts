import { createClient } from "@connectrpc/connect";
import type * as grpc from "@grpc/grpc-js";
import { CentrifugoUniStream, type Push } from "../../gen/centrifugal/centrifugo/unistream/unistream_pb.js";
import { type ConnectProtocol, grpcJsClient, transport } from "../helpers/api-clients.js";

/** A Push reduced to what tests compare, the same whichever client decoded it. */
export interface SeenPush {
  readonly kind: "connect" | "pub" | "join" | "leave" | "disconnect" | "ping" | "other";
  readonly channel?: string;
  /** Publication data as text. */
  readonly data?: string;
  readonly offset?: number;
  /** A map change's key and removal, and a publication's version, when it carries them. */
  readonly key?: string;
  readonly removed?: boolean;
  readonly version?: number;
  /** The connect push's client id and subscribed channels; the disconnect's code. */
  readonly client?: string;
  readonly subs?: string[];
  readonly ping?: number;
  readonly code?: number;
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** The optional publication fields, present only when set (so pushes without them compare as before). */
function extras(key: string, removed: boolean, version: number): Partial<SeenPush> {
  return { ...(key ? { key } : {}), ...(removed ? { removed } : {}), ...(version ? { version } : {}) };
}

/** A Push decoded by protobuf-es (connect-node, connect-web). */
export function seenFromMessage(p: Push): SeenPush {
  if (p.connect)
    return {
      kind: "connect",
      client: p.connect.client,
      subs: Object.keys(p.connect.subs),
      ping: p.connect.ping,
    };
  if (p.pub) {
    const { key, removed, version } = p.pub;
    const base = {
      kind: "pub",
      channel: p.channel,
      data: text(p.pub.data),
      offset: Number(p.pub.offset),
    } as const;
    return { ...base, ...extras(key, removed, Number(version)) };
  }
  if (p.disconnect) return { kind: "disconnect", code: p.disconnect.code };
  if (p.join) return { kind: "join", channel: p.channel };
  if (p.leave) return { kind: "leave", channel: p.channel };
  return p.channel === "" ? { kind: "ping" } : { kind: "other", channel: p.channel };
}

export type GrpcJsPush = Record<string, Record<string, unknown> | null | string>;

/** A Push decoded by @grpc/grpc-js with proto-loader (keepCase, defaults, longs as strings). */
export function seenFromGrpcJs(p: GrpcJsPush): SeenPush {
  const field = (name: string) => p[name] as Record<string, unknown> | null;
  const connect = field("connect");
  const pub = field("pub");
  const disconnect = field("disconnect");
  const channel = p.channel as string;
  if (connect) {
    const subs = Object.keys(connect.subs as object);
    return { kind: "connect", client: connect.client as string, subs, ping: connect.ping as number };
  }
  if (pub) {
    const base = {
      kind: "pub",
      channel,
      data: text(pub.data as Buffer),
      offset: Number(pub.offset),
    } as const;
    return { ...base, ...extras(pub.key as string, pub.removed as boolean, Number(pub.version ?? 0)) };
  }
  if (disconnect) return { kind: "disconnect", code: disconnect.code as number };
  if (field("join")) return { kind: "join", channel };
  if (field("leave")) return { kind: "leave", channel };
  return channel === "" ? { kind: "ping" } : { kind: "other", channel };
}

/** What one consumer has received so far, with waits on it instead of sleeps. */
export class PushLog {
  readonly pushes: SeenPush[] = [];
  /** Set when the stream ended: "ok" for a clean end, else the error message. */
  end: string | undefined;
  private listeners = new Set<() => void>();

  add(push: SeenPush): void {
    this.pushes.push(push);
    this.notify();
  }

  finish(end: string): void {
    this.end ??= end;
    this.notify();
  }

  /** Pushes of one kind, in arrival order. */
  of(kind: SeenPush["kind"]): SeenPush[] {
    return this.pushes.filter((p) => p.kind === kind);
  }

  /** Resolves once `check` holds, rejecting with what arrived if it does not within the timeout. */
  until(check: (log: PushLog) => boolean, what: string, timeoutMs = 5000): Promise<void> {
    if (check(this)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const listener = () => {
        if (!check(this)) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve();
      };
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(
          new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.pushes)} end=${this.end}`),
        );
      }, timeoutMs);
      this.listeners.add(listener);
    });
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/** A running Consume call and how to stop it from the client side. */
export interface StreamConsumer {
  readonly log: PushLog;
  cancel(): void;
}

/** A @grpc/grpc-js client of the stream service, loaded from the .proto file. */
export function uniStreamGrpcJsClient(port: number) {
  return grpcJsClient(
    "centrifugal/centrifugo/unistream/unistream.proto",
    "centrifugal.centrifugo.unistream.CentrifugoUniStream",
    `127.0.0.1:${port}`,
  );
}

/** Consume over native gRPC with @grpc/grpc-js, an implementation independent of connect-es. */
export function consumeWithGrpcJs(port: number, request: Record<string, unknown>): StreamConsumer {
  const client = uniStreamGrpcJsClient(port);
  const log = new PushLog();
  const call = client.Consume!(request) as grpc.ClientReadableStream<GrpcJsPush>;
  call.on("data", (push: GrpcJsPush) => log.add(seenFromGrpcJs(push)));
  call.on("error", (err: Error) => {
    log.finish(err.message);
    client.close();
  });
  call.on("end", () => {
    log.finish("ok");
    client.close();
  });
  return {
    log,
    cancel() {
      call.cancel();
      client.close();
    },
  };
}

/** Consume with a connect-node transport (Connect JSON or binary, gRPC, gRPC-Web). */
export function consumeWithConnect(
  protocol: ConnectProtocol,
  baseUrl: string,
  request: { token?: string; subs?: Record<string, { recover?: boolean }> },
): StreamConsumer {
  const client = createClient(CentrifugoUniStream, transport(protocol, baseUrl));
  const abort = new AbortController();
  const log = new PushLog();
  void (async () => {
    try {
      for await (const push of client.consume(request, { signal: abort.signal })) {
        log.add(seenFromMessage(push));
      }
      log.finish("ok");
    } catch (err) {
      log.finish((err as Error).message);
    }
  })();
  return { log, cancel: () => abort.abort() };
}
