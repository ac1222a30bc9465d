import { z } from "zod";

/**
 * `message_size_limit`: the largest incoming message in bytes as counted on
 * the wire. Centrifugo reads 0 as its default (65536) and a negative value as
 * no limit; ws reads 0 as no limit, so the parsed value is ws's.
 */
const messageSizeLimit = () =>
  z
    .number()
    .int()
    .default(65536)
    .transform((limit) => (limit === 0 ? 65536 : Math.max(limit, 0)));

/**
 * The WebSocket options both `websocket` and `uni_websocket` take, named and
 * defaulted as Centrifugo v6.9 does: permessage-deflate and its limits, and
 * the I/O buffer knobs of Go's WebSocket library, which are accepted so a
 * Centrifugo config runs unchanged (Node's sockets size their own buffers).
 */
export const websocketShape = () => ({
  message_size_limit: messageSizeLimit(),
  /** Accept a permessage-deflate offer. */
  compression: z.boolean().default(false),
  /** −2 Huffman only, −1 zlib's default, 0 stored … 9 smallest; out of range is warned about and 1 is used. */
  compression_level: z.number().int().default(1),
  /** 0: compress every message; N: only those whose payload is longer than N bytes. */
  compression_min_size: z.number().int().min(0).default(0),
  /** Largest message after inflation; 0: ten times `message_size_limit`. */
  decompressed_message_size_limit: z.number().int().min(0).default(0),
  read_buffer_size: z.number().int().min(0).default(0),
  write_buffer_size: z.number().int().min(0).default(0),
  use_write_buffer_pool: z.boolean().default(false),
});

/** The compression settings of one WebSocket endpoint, as its sockets use them. */
export interface WebSocketCompression {
  /** zlib level and strategy for the configured `compression_level`. */
  readonly level: number;
  readonly huffmanOnly: boolean;
  readonly minSize: number;
  /** Largest inflated message (0: none). */
  readonly inflatedLimit: number;
}

/** Whether `compression_level` is one Centrifugo accepts (−2…9). */
export function validCompressionLevel(level: number): boolean {
  return level >= -2 && level <= 9;
}

/** The compression an endpoint's config asks for, or undefined when it is off. */
export function websocketCompression(options: {
  compression: boolean;
  compression_level: number;
  compression_min_size: number;
  message_size_limit: number;
  decompressed_message_size_limit: number;
}): WebSocketCompression | undefined {
  if (!options.compression) return undefined;
  const level = validCompressionLevel(options.compression_level) ? options.compression_level : 1;
  return {
    level: level === -2 ? -1 : level,
    huffmanOnly: level === -2,
    minSize: options.compression_min_size,
    inflatedLimit: options.decompressed_message_size_limit || options.message_size_limit * 10,
  };
}
