import type { Logger } from "pino";

/** How often a repeating cause is logged at most (each interval: its first time, then one line with the count). */
const defaultIntervalMs = 10_000;
/** Causes followed at once; past it new causes share one entry, so a flood of distinct messages stays bounded. */
const maxCauses = 64;

type Level = "warn" | "error";

interface Cause {
  repeated: number;
  readonly level: Level;
  readonly context: Record<string, unknown>;
  readonly msg: string;
}

type Write = (cause: string, context: Record<string, unknown>, msg: string) => void;

/**
 * Lines that may repeat thousands of times a second (Redis down, a backend
 * down, a hostile peer), logged per cause: `msg` the first time `cause` is
 * seen in an interval, without a stack; repeats in that interval are counted
 * and reported in one line (`repeated`) when it ends.
 */
export interface LogLimiter {
  readonly warn: Write;
  readonly error: Write;
}

/** A limiter writing to `log`: at most two lines per cause per `intervalMs`; causes beyond 64 share one. */
export function createLogLimiter(log: Logger, intervalMs = defaultIntervalMs): LogLimiter {
  const causes = new Map<string, Cause>();
  let timer: NodeJS.Timeout | undefined;

  function report(): void {
    for (const [key, cause] of causes) {
      if (cause.repeated > 0) {
        log[cause.level]({ ...cause.context, repeated: cause.repeated, intervalMs }, cause.msg);
        cause.repeated = 0;
      } else causes.delete(key);
    }
    if (causes.size === 0) {
      clearInterval(timer);
      timer = undefined;
    }
  }

  const write =
    (level: Level): Write =>
    (cause, context, msg) => {
      const key = causes.has(cause) || causes.size < maxCauses ? cause : "other causes";
      const known = causes.get(key);
      if (known) {
        known.repeated++;
        return;
      }
      causes.set(key, { repeated: 0, level, context, msg });
      log[level](context, msg);
      timer ??= setInterval(report, intervalMs).unref();
    };
  return { warn: write("warn"), error: write("error") };
}

const shared = new WeakMap<Logger, LogLimiter>();

/** The limiter shared by every part writing to `log`, so one cause is limited wherever it is logged from. */
export function limitedLog(log: Logger): LogLimiter {
  let limiter = shared.get(log);
  if (!limiter) {
    limiter = createLogLimiter(log);
    shared.set(log, limiter);
  }
  return limiter;
}
