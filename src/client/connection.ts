import type { ClientCodec, PushInit, ReplyInit } from "../protocol/client-codec.js";
import type { ProxyClient } from "../proxy/backend-proxy.js";
import type { ForwardedHeaders } from "../proxy/forwarded-headers.js";
import type { ClientContext } from "./client-context.js";
import type { Identity } from "./identity.js";
import type { Asker } from "./permissions.js";
import type { SubscriberClient } from "./subscriber-client.js";
import type { Subscription } from "./subscription.js";
import type { SubscriptionRegistry } from "./subscription-registry.js";
import type { SessionTransport } from "./transport.js";

/** Where a connection is: before its connect succeeded, connected, or ended. */
export type ConnectionState = "connecting" | "connected" | "closed";

/**
 * One client connection as command handlers and subscription flows see it:
 * the shared context, who the client is, its subscriptions, and how to
 * answer. The session implements it; handlers depend on this alone, so
 * none of them imports the session that calls them.
 */
export interface Connection extends SubscriberClient, ProxyClient, Asker {
  readonly ctx: ClientContext;
  readonly identity: Identity;
  readonly codec: ClientCodec;
  readonly transport: SessionTransport;
  readonly subscriptions: SubscriptionRegistry<Subscription>;
  readonly state: ConnectionState;
  /** Whether the connection has ended; read after awaits, when handlers may have closed it. */
  readonly closed: boolean;
  /** Set after a failed connect: every later command is a protocol violation. */
  readonly unusable: boolean;
  /** The user `client.user_id_http_header` names on the connection request, "" when none. */
  readonly headerUser: string;
  /** The connection request's headers that some proxy forwards; connect may add emulated ones. */
  forwarded: ForwardedHeaders | undefined;
  /** A position check saw the stream ahead of a subscription and waits for the publication to arrive. */
  awaitingPositions: boolean;
  reply(id: number, reply: Omit<ReplyInit, "id" | "$typeName">): void;
  /** Sends an asynchronous push: wrapped in a Reply on bidirectional transports, bare on the others. */
  push(push: PushInit): void;
  /** Marks the connection established and starts its ping schedule. */
  markConnected(name: string, version: string): void;
  /** A pong: only valid as the answer to an outstanding ping. */
  handlePong(): void;
}
