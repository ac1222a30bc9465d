import { ErrorCode, RotorError } from "./rotor-error.js";

/**
 * An engine call (broker, presence manager, controller) that failed: Redis
 * away, a timeout, a connection that dropped. The node raises it for every
 * such failure, after logging the cause once; callers map it by rule (a
 * client subscribe ends the connection with 3004, a publish, history or
 * presence call answers 100 and keeps it). An engine's deliberate refusal
 * (NATS keeps no history: 108) is a plain RotorError, not this.
 */
export class EngineError extends RotorError {
  constructor(
    /** The engine part and call that failed, as logged: `broker publish`. */
    readonly call: string,
    override readonly cause: unknown,
  ) {
    super(ErrorCode.Internal, "internal server error", true);
    this.name = "EngineError";
  }
}
