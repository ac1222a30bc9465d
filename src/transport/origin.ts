import type { IncomingHttpHeaders } from "node:http";
import type { Logger } from "pino";

/** What every transport answers (with 403) to a browser on an origin it does not allow. */
export const originRefusal = "Forbidden: origin not allowed";

function compile(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${escaped}$`, "i");
}

/**
 * Centrifugo's origin rule for browser transports: a request without an Origin
 * header (non-browser clients) passes; with one, it must match an entry of
 * `client.allowed_origins` (`*` wildcards, e.g. "https://*.example.com", or "*"
 * for any origin). Each refusal is logged at debug level when a logger is given.
 */
export function createOriginCheck(
  allowed: readonly string[],
  log?: Logger,
): (headers: IncomingHttpHeaders) => boolean {
  const patterns = allowed.map(compile);
  return (headers) => {
    const origin = headers.origin;
    if (!origin) return true;
    if (patterns.some((p) => p.test(origin))) return true;
    log?.debug({ origin, allowed }, "connection refused: origin not allowed");
    return false;
  };
}
