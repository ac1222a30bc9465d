/**
 * Raw HTTP/2 frames, written by hand so tests can send what no client library
 * would: thousands of streams at once, resets right after the headers, a
 * preface cut short. Headers are HPACK literals without Huffman coding.
 */
export const preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

/** Frame type numbers (RFC 9113 §6) of the frames the tools send or read. */
export const frameType = { data: 0, headers: 1, rstStream: 3, settings: 4, ping: 6, goaway: 7, window: 8 };
/** Frame flags; `ack` and `endStream` share a bit, on different frame types. */
export const flags = { endStream: 0x1, ack: 0x1, endHeaders: 0x4 };

/** One frame: the 9-byte header and its payload. */
export function frame(type: number, flag: number, stream: number, payload: Uint8Array = Buffer.alloc(0)) {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flag;
  head.writeUInt32BE(stream & 0x7fffffff, 5);
  return Buffer.concat([head, payload]);
}

/** An HPACK integer with an n-bit prefix whose high bits are `first`. */
function integer(value: number, bits: number, first: number): Buffer {
  const max = (1 << bits) - 1;
  if (value < max) return Buffer.from([first | value]);
  const out = [first | max];
  let rest = value - max;
  while (rest >= 128) {
    out.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return Buffer.from(out);
}

function text(value: string): Buffer {
  const bytes = Buffer.from(value, "latin1");
  return Buffer.concat([integer(bytes.length, 7, 0), bytes]);
}

/** Static-table name indexes of the pseudo-headers and headers used here. */
const staticName: Record<string, number> = {
  ":authority": 1,
  ":method": 2,
  ":path": 4,
  ":scheme": 6,
  "content-type": 31,
  authorization: 23,
};

/** A header block: each field a literal without indexing (a named index when the static table has the name). */
export function headerBlock(fields: readonly [string, string][]): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of fields) {
    const index = staticName[name];
    if (index !== undefined) parts.push(integer(index, 4, 0), text(value));
    else parts.push(Buffer.from([0]), text(name), text(value));
  }
  return Buffer.concat(parts);
}

/** The frames a client opens a connection with: preface, empty SETTINGS, and a large connection window. */
export function clientStart(): Buffer {
  const increment = Buffer.alloc(4);
  increment.writeUInt32BE(2 ** 31 - 1 - 65535);
  return Buffer.concat([preface, frame(frameType.settings, 0, 0), frame(frameType.window, 0, 0, increment)]);
}

/** RST_STREAM for `stream`, with CANCEL (8) unless told. */
export function rstStream(stream: number, code = 8): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(code);
  return frame(frameType.rstStream, 0, stream, payload);
}

/** Reads frame headers out of what a server sends; knows only what the tools need. */
export class FrameReader {
  private buffered: Buffer = Buffer.alloc(0);

  constructor(
    private readonly onFrame: (type: number, flag: number, stream: number, payload: Buffer) => void,
  ) {}

  push(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 9) {
      const length = this.buffered.readUIntBE(0, 3);
      if (this.buffered.length < 9 + length) return;
      const type = this.buffered[3]!;
      const flag = this.buffered[4]!;
      const stream = this.buffered.readUInt32BE(5) & 0x7fffffff;
      this.onFrame(type, flag, stream, this.buffered.subarray(9, 9 + length));
      this.buffered = this.buffered.subarray(9 + length);
    }
  }
}
