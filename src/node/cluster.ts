import type { Logger } from "pino";
import type { Controller } from "../core/controller.js";
import { background } from "../lifecycle/background.js";
import {
  type ControlCommand,
  commands,
  decodeControl,
  encodeControl,
  type NodeSnapshot,
  type UserCommand,
} from "./control.js";
import { applyControl } from "./control-handlers.js";
import type { Hub } from "./hub.js";
import { NodeRegistry } from "./registry.js";
import { type SurveyReply, Surveys, surveyCodes } from "./surveys.js";

/** Answers one survey op for this node. */
export type SurveyHandler = (data: Uint8Array) => SurveyReply | Promise<SurveyReply>;

/** What the cluster needs from its node. */
export interface ClusterMember {
  readonly id: string;
  readonly hub: Hub;
  readonly log: Logger;
  snapshot(): NodeSnapshot;
  /** How long a survey took, answered or not, in seconds. */
  surveyed(op: string, seconds: number): void;
}

/** Centrifugo's cadence: a heartbeat every 3 s; a survey waits up to 10 s for every node. */
const heartbeatMs = 3000;
const surveyTimeoutMs = 10_000;
const empty = new Uint8Array();

/**
 * This node among the others, over the controller: heartbeats keep a registry
 * of live nodes (a new node is answered at once, a stopping one says so),
 * commands by user are sent to every node and applied here, and surveys ask
 * every node (or one) and gather the answers.
 */
export class Cluster {
  private readonly registry = new NodeRegistry();
  private readonly surveys = new Surveys(surveyTimeoutMs);
  private readonly handlers = new Map<string, SurveyHandler>();
  private heartbeat: NodeJS.Timeout | undefined;
  /** Set once leaving: nothing more goes out after the shutdown notice, or peers would list this node again. */
  private leaving = false;

  constructor(
    private readonly member: ClusterMember,
    private readonly controller: Controller,
  ) {}

  /** Starts listening and announces this node; fails when the first heartbeat cannot be sent. */
  async start(): Promise<void> {
    await this.controller.start(this.member.id, (data) => this.receive(data));
    await this.send(commands.node(this.member.snapshot()));
    this.heartbeat = setInterval(() => {
      this.send(commands.node(this.member.snapshot())).catch((err) =>
        this.member.log.warn({ err }, "node heartbeat failed"),
      );
    }, heartbeatMs);
    this.heartbeat.unref();
  }

  /** Tells the other nodes this one is leaving, then stops listening. */
  async close(): Promise<void> {
    this.leaving = true;
    clearInterval(this.heartbeat);
    await this.send(commands.shutdown()).catch((err) =>
      this.member.log.warn({ err }, "shutdown notice failed"),
    );
    await this.controller.close();
  }

  /** This node and the live peers. */
  nodes(): NodeSnapshot[] {
    return [this.member.snapshot(), ...this.registry.alive(Date.now())];
  }

  /** Whether a node id is this node or a live peer. */
  knows(nodeId: string): boolean {
    return nodeId === this.member.id || this.registry.has(nodeId, Date.now());
  }

  /**
   * Sends a command by user to the other nodes, then applies it here. When the
   * send fails nothing happens here either, so the caller's error is the truth.
   */
  async command(command: UserCommand): Promise<void> {
    await this.send(command);
    applyControl(this.member.hub, command);
  }

  /** Registers how this node answers a survey op. */
  onSurvey(op: string, handler: SurveyHandler): void {
    this.handlers.set(op, handler);
  }

  /** Asks every live node, this one included; fails with 100 when one does not answer in time. */
  survey(op: string, data: Uint8Array): Promise<SurveyReply[]> {
    const expected = this.nodes().length;
    const started = performance.now();
    const done = () => this.member.surveyed(op, (performance.now() - started) / 1000);
    const replies = this.surveys.run(expected, async (id) => {
      const answered = this.answer(op, data).then((reply) => this.surveys.reply(id, reply));
      background(this.member.log, "survey answer", answered);
      if (expected > 1) await this.send(commands.surveyRequest(id, op, data));
    });
    return replies.finally(done);
  }

  /** Asks one node: this one, or a live peer over the controller. */
  async surveyNode(nodeId: string, op: string, data: Uint8Array): Promise<SurveyReply> {
    if (nodeId === this.member.id) return this.answer(op, data);
    const [reply] = await this.surveys.run(1, (id) =>
      this.controller.publishTo(nodeId, encodeControl(this.member.id, commands.surveyRequest(id, op, data))),
    );
    return reply!;
  }

  private send(command: ControlCommand): Promise<void> {
    return this.controller.publish(encodeControl(this.member.id, command));
  }

  private reply(nodeId: string, command: ControlCommand): void {
    this.controller
      .publishTo(nodeId, encodeControl(this.member.id, command))
      .catch((err) => this.member.log.warn({ err }, "control reply failed"));
  }

  private async answer(op: string, data: Uint8Array): Promise<SurveyReply> {
    const handler = this.handlers.get(op);
    if (!handler) return { code: surveyCodes.unknownOp, data: empty };
    try {
      return await handler(data);
    } catch (err) {
      this.member.log.warn({ err, op }, "survey handler failed");
      return { code: surveyCodes.internal, data: empty };
    }
  }

  private receive(data: Uint8Array): void {
    const message = decodeControl(data);
    if (!message) {
      this.member.log.warn("ignoring a malformed control message");
      return;
    }
    const from = message.uid;
    if (from === this.member.id || this.leaving) return;
    const { command } = message;
    switch (command.case) {
      case "node": {
        const { uid, name, version, numClients, numUsers, numChannels, numSubs, uptime } = command.value;
        const node = { uid, name, version, numClients, numUsers, numChannels, numSubs, uptime };
        if (this.registry.heard(node, Date.now())) this.reply(from, commands.node(this.member.snapshot()));
        return;
      }
      case "shutdown":
        this.registry.forget(from, Date.now());
        return;
      case "surveyRequest": {
        const { id, op, data: request } = command.value;
        const answered = this.answer(op, request).then((r) =>
          this.reply(from, commands.surveyResponse(id, r.code, r.data)),
        );
        background(this.member.log, "survey answer", answered);
        return;
      }
      case "surveyResponse":
        this.surveys.reply(command.value.id, { code: command.value.code, data: command.value.data });
        return;
      case "notification":
      case undefined:
        return;
      default:
        applyControl(this.member.hub, command);
    }
  }
}
