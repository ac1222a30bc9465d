import { z } from "zod";
import { duration } from "./schema-types.js";

/**
 * `http_server.http2`: what one HTTP/2 connection may ask of the server, and
 * how a peer that stopped answering is found. Defaults keep memory and an
 * honest caller's latency bounded whatever the clients do: 100 streams per
 * connection (Node's own default) and 200 requests in flight server-wide.
 */
export const http2Schema = () =>
  z
    .strictObject({
      /** SETTINGS_MAX_CONCURRENT_STREAMS: open streams per connection. */
      max_concurrent_streams: z.number().int().min(1).default(100),
      /** SETTINGS_MAX_HEADER_LIST_SIZE: bytes of request headers, uncompressed. */
      max_header_list_size: z.number().int().min(1024).default(65536),
      /** Memory one connection may hold in the HTTP/2 layer, in megabytes; new streams are refused beyond it. */
      max_session_memory_mb: z.number().int().min(1).default(10),
      /** Requests waiting for their response to start, across all connections. */
      max_requests_in_flight: z.number().int().min(1).default(200),
      /** Every connection is pinged this often (0: never)… */
      ping_interval: duration("20s"),
      /** …and closed when the answer takes longer than this. */
      ping_timeout: duration("10s"),
      /**
       * WebSocket over HTTP/2 (RFC 8441): the main listener advertises extended
       * CONNECT and its WebSocket endpoints accept it. Off by default, as in
       * Centrifugo (Go's HTTP/2 server needs `GODEBUG=http2xconnect=1`): a
       * browser that sees the setting opens its WebSockets to the origin as
       * streams of its HTTP/2 connection instead of connections of their own.
       */
      extended_connect: z.boolean().default(false),
    })
    .prefault({});

/** `http_server` timeouts for peers that are silent or slow, on HTTP/1.1 and HTTP/2 alike. */
export const httpTimeouts = () => ({
  /** A new connection must send its first request head (HTTP/1.1) or preface and SETTINGS (HTTP/2) within this; so must each later HTTP/1.1 request head. */
  header_timeout: duration("5s"),
  /** A request, body included, must arrive within this. */
  request_timeout: duration("60s"),
  /** A connection with no request in progress is closed after this. */
  idle_timeout: duration("72s"),
});
