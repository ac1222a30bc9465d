import type { Logger } from "pino";
import { closeFrameCode } from "../errors/disconnect.js";
import { limitedLog } from "../log/log-limiter.js";

/**
 * Warns (once per interval, without a stack) when a disconnect code chosen by
 * a backend or the API cannot travel in a WebSocket close frame, so the
 * operator learns the client saw 3503 rather than the code that was asked for.
 */
export function warnUncarriedCloseCode(log: Logger, transport: string, code: number): void {
  if (!transport.endsWith("websocket") || closeFrameCode(code) === code) return;
  limitedLog(log).warn(
    "websocket close code",
    { code, sent: closeFrameCode(code) },
    "a WebSocket close frame cannot carry this disconnect code: sent 3503 instead",
  );
}
