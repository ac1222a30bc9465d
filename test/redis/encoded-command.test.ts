import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { type CommandArg, commandLead, encodeCommand } from "../../src/redis/encoded-command.js";

/** RESP written the plain way: every argument as its own bulk string. */
function plainResp(parts: readonly CommandArg[]): Buffer {
  const out: Buffer[] = [Buffer.from(`*${parts.length}\r\n`)];
  for (const part of parts) {
    const bytes = typeof part === "object" ? Buffer.from(part) : Buffer.from(String(part));
    out.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from("\r\n"));
  }
  return Buffer.concat(out);
}

test("a command encodes to RESP bulk strings after its pre-encoded lead: text as UTF-8, numbers in decimal, bytes as they are", () => {
  assert.equal(
    encodeCommand(commandLead(["evalsha", 3]), ["k€y", Buffer.from([0, 13, 10])], [""]).toString("latin1"),
    "*5\r\n$7\r\nevalsha\r\n$1\r\n3\r\n$5\r\nk\u00e2\u0082\u00acy\r\n$3\r\n\u0000\r\n\r\n$0\r\n\r\n",
  );
  const arg = fc.oneof(
    fc.string({ unit: "grapheme", maxLength: 30 }),
    fc.integer({ min: 0, max: 1e9 }),
    fc.uint8Array({ maxLength: 200 }),
  );
  fc.assert(
    fc.property(
      fc.array(arg, { maxLength: 4 }),
      fc.array(arg, { maxLength: 8 }),
      fc.array(arg, { maxLength: 8 }),
      (lead, first, second) => {
        const parts = [...lead, ...first, ...second];
        assert.deepEqual(encodeCommand(commandLead(lead), first, second), plainResp(parts));
        assert.deepEqual(encodeCommand(commandLead([...lead, ...first]), second), plainResp(parts));
      },
    ),
    { numRuns: 500 },
  );
});
