import { errors } from "../errors/rotor-error.js";

/** One node's answer to a survey: code 0 with data, or Centrifugo's 1 internal, 2 invalid request, 3 unknown op. */
export interface SurveyReply {
  readonly code: number;
  readonly data: Uint8Array;
}

/** Survey reply codes, as Centrifugo numbers them. */
export const surveyCodes = { ok: 0, internal: 1, invalid: 2, unknownOp: 3 } as const;

interface Pending {
  expected: number;
  replies: SurveyReply[];
  done: (replies: SurveyReply[] | Error) => void;
}

/**
 * Questions every node (or one node) answers, such as which channels it
 * carries: the asker sends one request and collects a reply per node it
 * expects. Replies that come after the survey ended are dropped.
 */
export class Surveys {
  private readonly pending = new Map<bigint, Pending>();
  private nextId = 0n;

  constructor(private readonly timeoutMs: number) {}

  /**
   * Runs a survey expecting `expected` replies; `send` publishes the request
   * under the id given. Fails with 100 when not every reply arrives in time.
   */
  run(expected: number, send: (id: bigint) => Promise<void>): Promise<SurveyReply[]> {
    this.nextId += 1n;
    const id = this.nextId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(errors.internal()), this.timeoutMs);
      const finish = (outcome: SurveyReply[] | Error) => {
        clearTimeout(timer);
        this.pending.delete(id);
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
      this.pending.set(id, { expected, replies: [], done: finish });
      send(id).catch(finish);
    });
  }

  reply(id: bigint, reply: SurveyReply): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    entry.replies.push(reply);
    if (entry.replies.length >= entry.expected) entry.done(entry.replies);
  }
}
