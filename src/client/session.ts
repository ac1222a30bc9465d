import { randomUUID } from "node:crypto";
import type { Command } from "../../gen/centrifugal/centrifuge/protocol/client_pb.js";
import type { ClientInfo } from "../core/publication.js";
import {
  Disconnect,
  disconnects,
  unidirectionalConnectDisconnect,
  unsubscribes,
} from "../errors/disconnect.js";
import { EngineError } from "../errors/engine-error.js";
import { RotorError } from "../errors/rotor-error.js";
import { background } from "../lifecycle/background.js";
import type { ServerSubscribeOptions } from "../node/control.js";
import type { FrameCache } from "../node/hub.js";
import type { ClientCodec, PushInit, ReplyInit } from "../protocol/client-codec.js";
import { NotJsonError } from "../protocol/embedded-json.js";
import { type ConnectionHeaders, type ForwardedHeaders, headerUser } from "../proxy/forwarded-headers.js";
import type { ClientContext } from "./client-context.js";
import { warnUncarriedCloseCode } from "./close-code-warning.js";
import type { Connection, ConnectionState } from "./connection.js";
import { dispatch } from "./dispatch.js";
import { scheduleFlush } from "./flush-scheduler.js";
import { encodingKind, joinSlot, leaveSlot } from "./frame-slots.js";
import { commandMethod, pushFrameType, replyFrameType } from "./frame-types.js";
import { Identity } from "./identity.js";
import { OutgoingQueue } from "./outgoing-queue.js";
import { refreshByServer } from "./refresh.js";
import { subscribeByServer, unsubscribeAll, unsubscribeChannel } from "./subscribe-command.js";
import type { LostPosition } from "./subscriber-client.js";
import type { Subscription } from "./subscription.js";
import { SubscriptionRegistry } from "./subscription-registry.js";
import { ticker } from "./ticker.js";
import { expireConnection, expireSubscriptions } from "./token-expiry.js";
import type { SessionTransport } from "./transport.js";
import { settleAwaited, upkeep } from "./upkeep.js";

/**
 * One client connection: the protocol state machine between a transport and
 * the node. Commands are handled in arrival order; everything queued before
 * the connection's turn in the shared flush leaves as one batch.
 */
export class ClientSession implements Connection {
  readonly id = randomUUID();
  readonly session = randomUUID();
  readonly codec: ClientCodec;
  readonly unidirectional: boolean;
  /** Which shared encoding this connection receives (see frame-slots). */
  readonly encodingKind: number;
  readonly subscriptions = new SubscriptionRegistry<Subscription>();
  readonly identity = new Identity();
  state: ConnectionState = "connecting";
  /** Set after a failed connect (by `fail` only): every later command is a protocol violation. */
  unusable = false;
  awaitingPositions = false;
  /** The connection request's headers that some proxy forwards (none unless configured). */
  forwarded: ForwardedHeaders | undefined;
  readonly headerUser: string;
  private ended: AbortController | undefined;
  private readonly createdAt = Date.now();
  private readonly output: OutgoingQueue;
  private flushPending = false;
  private commands: Promise<void> = Promise.resolve();
  private nextPingAt = 0;
  private pongDeadline = 0;
  /** When presence refresh and position checks run next (0: never). */
  private upkeepAt = 0;
  private upkeeping = false;

  /** `headers`: the request the client connected with, kept only as far as proxies forward it. */
  constructor(
    readonly ctx: ClientContext,
    readonly transport: SessionTransport,
    headers?: ConnectionHeaders,
  ) {
    this.forwarded = ctx.proxies.capture(headers);
    this.headerUser = headerUser(headers, ctx.config.client.user_id_http_header);
    this.codec = transport.codec;
    this.unidirectional = transport.unidirectional;
    this.encodingKind = encodingKind(this.codec.name, this.unidirectional);
    this.output = new OutgoingQueue(transport);
    ticker.add(this);
  }

  /** Whether the connection has ended; read after awaits, when handlers may have closed it. */
  get closed(): boolean {
    return this.state === "closed";
  }

  get user(): string {
    return this.identity.user;
  }

  get meta(): Uint8Array | undefined {
    return this.identity.meta;
  }

  get insecure(): boolean {
    return this.ctx.config.client.insecure;
  }

  get transportName(): string {
    return this.transport.name;
  }

  get protocol(): string {
    return this.codec.name;
  }

  /** Aborted when the connection ends, cancelling its backend calls; made on first use. */
  get signal(): AbortSignal {
    if (this.state === "closed") return AbortSignal.abort();
    this.ended ??= new AbortController();
    return this.ended.signal;
  }

  clientInfo(chanInfo?: Uint8Array): ClientInfo {
    return this.identity.clientInfo(this.id, chanInfo);
  }

  /** Decodes a frame and handles its commands in order, after any still running. */
  handleFrame(frame: Uint8Array): void {
    if (this.state === "closed") return;
    const decoded = this.codec.decodeCommands(frame);
    if ("error" in decoded) {
      this.ctx.log.debug({ client: this.id, reason: decoded.error }, "malformed frame");
      this.close(disconnects.badRequest);
      return;
    }
    // Each command is counted with its share of the frame's bytes, the first taking what does not divide.
    const share = Math.floor(frame.length / decoded.commands.length);
    decoded.commands.forEach((command, i) => {
      const bytes = i === 0 ? frame.length - share * (decoded.commands.length - 1) : share;
      this.ctx.metrics.client.received(this.transport.name, commandMethod(command), bytes);
    });
    const run = () => this.run(decoded.commands);
    this.commands = this.commands.then(run, run);
  }

  /**
   * Runs a frame's commands one after another, or, once connected and with
   * `client.concurrency` above 1, up to that many at a time, so a slow
   * command (a token fetched from JWKS, a large history) does not hold back
   * the ones after it. Frames still start in the order they arrived.
   */
  private async run(commands: Command[]): Promise<void> {
    const limit = this.ctx.config.client.concurrency;
    let next = 0;
    const worker = async () => {
      while (next < commands.length && this.state !== "closed") await this.runOne(commands[next++]!);
    };
    const workers = limit > 1 && this.state === "connected" ? Math.min(limit, commands.length) : 1;
    await Promise.all(Array.from({ length: workers }, worker));
  }

  private async runOne(command: Command): Promise<void> {
    const method = commandMethod(command);
    const started = performance.now();
    try {
      await dispatch(this, command);
    } catch (err) {
      this.fail(command, method, err);
    }
    this.ctx.metrics.client.command(method, (performance.now() - started) / 1000);
  }

  /**
   * The one place a command fails. Handlers throw: a `Disconnect` ends the
   * connection with that code; an engine failure (logged by the node) ends a
   * connect or subscribe with 3004, the client reconnecting to try again, and
   * is a temporary 100 for any other command, the connection kept; a
   * `RotorError` is the command's error reply, and after a failed connect
   * every later command is a protocol violation; anything else is a bug,
   * logged once and answered with 3004.
   */
  private fail(command: Command, method: string, err: unknown): void {
    if (err instanceof Disconnect) {
      this.close(err);
    } else if (err instanceof EngineError && (command.connect || command.subscribe)) {
      this.close(disconnects.serverError);
    } else if (err instanceof RotorError) {
      if (command.connect) this.unusable = true;
      this.ctx.metrics.client.replyError(method, err.code);
      if (command.subscribe) {
        const channel = command.subscribe.channel;
        this.ctx.log.debug(
          { client: this.id, user: this.user, channel, code: err.code },
          "subscribe refused",
        );
      }
      this.replyError(command.id, err);
    } else {
      this.ctx.log.error({ err, client: this.id }, "command failed");
      this.close(disconnects.serverError);
    }
  }

  /** A pong: only valid as the answer to an outstanding ping. */
  handlePong(): void {
    if (this.pongDeadline === 0) throw disconnects.badRequest;
    const sentAt = this.pongDeadline - this.ctx.config.client.pong_timeout;
    this.ctx.metrics.client.pingPong(this.transport.name, (Date.now() - sentAt) / 1000);
    this.pongDeadline = 0;
  }

  /** Marks the connection established and starts its ping schedule; `name` and `version` are what the client says it is. */
  markConnected(name: string, version: string): void {
    this.state = "connected";
    this.ctx.metrics.client.connected(this, this.transport.name, name, version);
    this.ctx.log.debug(
      { client: this.id, user: this.user, transport: this.transport.name, protocol: this.codec.name },
      "client connected",
    );
    const interval = this.ctx.config.client.ping_interval;
    if (interval > 0) this.nextPingAt = Date.now() + interval / 2 + Math.random() * (interval / 2);
    const upkeepInterval = this.ctx.config.client.presence_update_interval;
    if (upkeepInterval > 0)
      this.upkeepAt = Date.now() + upkeepInterval / 2 + Math.random() * (upkeepInterval / 2);
    this.ctx.node.hub.addClient(this);
  }

  reply(id: number, reply: Omit<ReplyInit, "id" | "$typeName">): void {
    this.send(replyFrameType(reply), () => this.codec.encodeReply({ ...reply, id }));
  }

  private replyError(id: number, err: RotorError): void {
    if (this.unidirectional) {
      this.close(unidirectionalConnectDisconnect(err.code, this.ctx.config.client), err);
      return;
    }
    this.reply(id, { error: { code: err.code, message: err.message, temporary: err.temporary } });
  }

  /** Sends an asynchronous push: wrapped in a Reply on bidirectional transports, bare on the others. */
  push(push: PushInit): void {
    if (push.unsubscribe) this.ctx.metrics.client.serverUnsubscribe(push.unsubscribe.code ?? 0);
    this.send(pushFrameType(push), () =>
      this.unidirectional ? this.codec.encodePush(push) : this.codec.encodeReply({ push }),
    );
  }

  /** Encodes, counts and queues; a payload a JSON client cannot receive ends the connection with 3506. */
  private send(frameType: string, encode: () => Uint8Array): void {
    let message: Uint8Array;
    try {
      message = encode();
    } catch (err) {
      if (!(err instanceof NotJsonError)) throw err;
      this.close(disconnects.inappropriateProtocol);
      return;
    }
    this.ctx.metrics.client.sent(this.transport.name, frameType, message.length);
    this.enqueue(message);
  }

  sendJoinLeave(channel: string, kind: "join" | "leave", info: ClientInfo, frames: FrameCache): void {
    const slot = kind === "join" ? joinSlot(this.encodingKind) : leaveSlot(this.encodingKind);
    let message = frames[slot] as Uint8Array | undefined;
    if (!message) {
      const push: PushInit = { channel, [kind]: { info } };
      message = this.unidirectional ? this.codec.encodePush(push) : this.codec.encodeReply({ push });
      frames[slot] = message;
    }
    this.enqueue(message);
  }

  /** Queues an encoded message for the next flush; a client that cannot keep up is cut with 3008. */
  enqueue(message: Uint8Array): void {
    if (this.state === "closed") return;
    if (!this.output.add(message, this.ctx.config.client.queue_max_size)) {
      this.close(disconnects.slow);
      return;
    }
    if (!this.flushPending) {
      this.flushPending = true;
      scheduleFlush(this);
    }
  }

  flush(): void {
    this.flushPending = false;
    if (this.state !== "closed") this.output.writeAll();
  }

  /** A positioned subscription saw a gap: client-side ones resubscribe, server-side ones reconnect. */
  insufficientState(sub: LostPosition): void {
    if (sub.options.serverSide) {
      this.close(disconnects.insufficientState);
      return;
    }
    background(
      this.ctx.log,
      "unsubscribe",
      unsubscribeChannel(this, sub.channel, unsubscribes.insufficientState),
    );
  }

  tick(now: number): void {
    if (this.state === "connecting") {
      if (now - this.createdAt > this.ctx.config.client.stale_close_delay) this.close(disconnects.stale);
      return;
    }
    const pongMissed = this.pongDeadline > 0 && now > this.pongDeadline;
    if (pongMissed) this.close(disconnects.noPong);
    if (pongMissed || expireConnection(this, now)) return;
    if (this.nextPingAt > 0 && now >= this.nextPingAt) this.ping(now);
    if (this.awaitingPositions) this.awaitingPositions = settleAwaited(this, now);
    if (this.upkeepAt > 0 && now >= this.upkeepAt && !this.upkeeping) {
      this.upkeepAt = now + this.ctx.config.client.presence_update_interval;
      this.upkeeping = true;
      const done = upkeep(this, now).finally(() => {
        this.upkeeping = false;
      });
      background(this.ctx.log, "upkeep", done);
    }
    expireSubscriptions(this, now);
  }

  private ping(now: number): void {
    this.nextPingAt = now + this.ctx.config.client.ping_interval;
    const ping = this.unidirectional ? this.codec.encodePush({}) : this.codec.ping;
    this.ctx.metrics.client.sent(this.transport.name, "server_ping", ping.length);
    this.enqueue(ping);
    if (this.unidirectional) return;
    if (this.pongDeadline === 0 && this.ctx.config.client.pong_timeout > 0) {
      this.pongDeadline = now + this.ctx.config.client.pong_timeout;
    }
  }

  /**
   * Ends the connection from the server side: transports without close codes
   * get a disconnect push first, queued output is written, then the transport closes.
   */
  close(disconnect: Disconnect, cause?: RotorError): void {
    if (this.state === "closed") return;
    const [code, why] = cause ? [cause.code, cause.message] : [disconnect.code, disconnect.reason];
    if (this.state === "connecting" && this.transport.refuseConnect?.(code, why)) return;
    this.ctx.metrics.client.serverDisconnect(this.transport.name, disconnect.code);
    this.ctx.log.debug(
      { client: this.id, user: this.user, code: disconnect.code, reason: disconnect.reason },
      "client disconnected",
    );
    if (this.transport.pushDisconnect)
      this.push({ disconnect: { code: disconnect.code, reason: disconnect.reason } });
    warnUncarriedCloseCode(this.ctx.log, this.transport.name, disconnect.code);
    this.flush();
    this.cleanup();
    try {
      this.transport.close(disconnect);
    } catch (err) {
      // The session is already gone from the hub: the socket must not outlive it.
      this.ctx.log.error({ err, client: this.id, disconnect }, "transport refused the disconnect");
      this.transport.close(disconnects.serverError);
    }
  }

  /** The transport went away (peer closed, network error): forget the connection. */
  closedByTransport(): void {
    if (this.state === "closed") return;
    this.ctx.log.debug(
      { client: this.id, user: this.user, reason: "connection closed" },
      "client disconnected",
    );
    this.cleanup();
  }

  private cleanup(): void {
    this.state = "closed";
    this.ended?.abort();
    this.output.clear();
    ticker.remove(this);
    this.ctx.metrics.client.disconnected(this);
    this.ctx.node.hub.removeClient(this);
    background(this.ctx.log, "unsubscribe", unsubscribeAll(this));
  }

  subscribeByServer(channel: string, options: ServerSubscribeOptions): void {
    if (this.state === "connected")
      background(this.ctx.log, "server-side subscribe", subscribeByServer(this, channel, options));
  }

  unsubscribeByServer(channel: string, why: Disconnect): void {
    if (this.subscriptions.has(channel))
      background(this.ctx.log, "unsubscribe", unsubscribeChannel(this, channel, why));
  }

  /** Runs presence refresh and position checks at the next tick instead of waiting for the interval. */
  upkeepSoon(): void {
    if (this.upkeepAt > 0) this.upkeepAt = Math.min(this.upkeepAt, Date.now());
  }

  disconnect(disconnect: Disconnect): void {
    this.close(disconnect);
  }

  refreshByServer(expired: boolean, expireAt: number, info: Uint8Array | undefined): void {
    refreshByServer(this, expired, expireAt, info);
  }
}
