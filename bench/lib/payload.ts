import { nowMs } from "./clock.js";

/** Size of every benchmark publication's payload, in bytes. */
export const payloadBytes = 100;

/**
 * A 100-byte JSON payload carrying its send time: `{"t":<ms>,"p":"xxx…"}`.
 * Subscribers find `"t":` and read the number, nothing else is parsed.
 */
export function timestampedPayload(): string {
  const head = `{"t":${nowMs().toFixed(3)},"p":"`;
  return `${head}${"x".repeat(Math.max(0, payloadBytes - head.length - 2))}"}`;
}

const marker = Buffer.from('"t":');

/**
 * Calls `each` with the send time of every payload in a received frame (a
 * frame may batch several messages). Works on the raw bytes, without decoding
 * the frame as a string or as JSON.
 */
export function eachTimestamp(frame: Buffer, each: (sentAt: number) => void): void {
  let at = frame.indexOf(marker);
  while (at >= 0) {
    let i = at + marker.length;
    let value = 0;
    while (i < frame.length && frame[i]! >= 48 && frame[i]! <= 57) value = value * 10 + frame[i++]! - 48;
    if (frame[i] === 46) {
      let scale = 0.1;
      for (i++; i < frame.length && frame[i]! >= 48 && frame[i]! <= 57; i++, scale /= 10)
        value += (frame[i]! - 48) * scale;
    }
    each(value);
    at = frame.indexOf(marker, i);
  }
}
