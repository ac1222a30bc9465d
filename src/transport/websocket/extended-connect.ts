import type { IncomingMessage } from "node:http";
import type { IncomingHttpHeaders } from "node:http2";
import type { StreamAnswer } from "../../api/direct-unary/direct-unary-answer.js";
import type { UpgradeHandler } from "../upgrade-router.js";
import { TunnelSocket } from "./tunnel-socket.js";

/**
 * RFC 8441 drops the key/accept exchange; ws refuses an upgrade without a
 * well-formed key, so a tunnelled opening without one presents this one (its
 * accept value is computed and never sent).
 */
const placeholderKey = "AAAAAAAAAAAAAAAAAAAAAA==";

const noHead = Buffer.alloc(0);

/**
 * The extended CONNECT request in the shape of the HTTP/1.1 upgrade request
 * it stands for: its headers (Origin, Sec-WebSocket-Version, -Protocol,
 * -Extensions, cookies…) as they came, `:authority` as Host, `:path` as the
 * URL, plus the upgrade headers RFC 8441 leaves out (a key when it has none). Everything downstream —
 * admission, the origin check, ws's negotiation, the session — reads only
 * the method, the URL and the headers.
 */
function upgradeRequest(h2: IncomingHttpHeaders): IncomingMessage {
  const headers: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(h2)) if (!name.startsWith(":")) headers[name] = value;
  headers.host ??= h2[":authority"];
  headers.upgrade = "websocket";
  headers.connection = "Upgrade";
  headers["sec-websocket-key"] ??= placeholderKey;
  return {
    method: "GET",
    url: h2[":path"] ?? "/",
    headers,
    httpVersion: "2.0",
    httpVersionMajor: 2,
    httpVersionMinor: 0,
  } as unknown as IncomingMessage;
}

/**
 * WebSocket over HTTP/2 (RFC 8441): takes every extended CONNECT stream and
 * hands `:protocol websocket` ones to `route`, the same handler HTTP/1.1
 * upgrades go to, over a `TunnelSocket`. That keeps one path for both: ws's
 * public `handleUpgrade` does the negotiation (subprotocol, permessage-deflate
 * with Centrifugo's answer, message limits) and builds the WebSocket, and
 * the HTTP/1.1 response it writes is turned into the stream's `200` (or
 * refusal) by the socket — where building ws's WebSocket by hand would lean
 * on its private `setSocket` and extension objects. Another `:protocol` is
 * answered 501.
 */
export function acceptExtendedConnect(route: UpgradeHandler): StreamAnswer {
  return (stream, headers) => {
    if (headers[":method"] !== "CONNECT" || headers[":protocol"] === undefined) return false;
    const socket = new TunnelSocket(stream, headers["sec-websocket-key"] !== undefined);
    if (headers[":protocol"] === "websocket") route(upgradeRequest(headers), socket, noHead);
    else socket.end("HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\n\r\n");
    return true;
  };
}
