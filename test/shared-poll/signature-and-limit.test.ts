import assert from "node:assert/strict";
import { test } from "node:test";
import { ErrorCode, RotorError } from "../../src/errors/rotor-error.js";
import { createCallLimit } from "../../src/shared-poll/call-limit.js";
import { verifyTrackSignature } from "../../src/shared-poll/track-signature.js";
import { signKeys } from "./poll-backend.js";

const now = 1_800_000_000;
const keys = { current: "new-key", previous: "old-key", previousValidUntil: now - 100 };
const codeOf = (run: () => unknown) => {
  try {
    run();
    return 0;
  } catch (err) {
    assert.ok(err instanceof RotorError);
    return err.code;
  }
};
const verify =
  (signature: string, k = keys) =>
  () =>
    verifyTrackSignature(k, signature, "u", "poll:a", ["x", "y"], now);

test("track signatures verify with the current key, and with the previous one only if issued before its end", () => {
  assert.equal(
    verifyTrackSignature(
      keys,
      signKeys("new-key", "u", "poll:a", ["x", "y"], { iat: now, exp: now + 60 }),
      "u",
      "poll:a",
      ["x", "y"],
      now,
    ),
    now + 60,
  );
  assert.equal(codeOf(verify(signKeys("old-key", "u", "poll:a", ["x", "y"], { iat: now - 200 }))), 0);
  assert.equal(
    codeOf(verify(signKeys("old-key", "u", "poll:a", ["x", "y"], { iat: now - 50 }))),
    ErrorCode.PermissionDenied,
  );
  const noLimit = { ...keys, previousValidUntil: 0 };
  assert.equal(codeOf(verify(signKeys("old-key", "u", "poll:a", ["x", "y"], { iat: now }), noLimit)), 0);
  assert.equal(
    codeOf(verify(signKeys("other", "u", "poll:a", ["x", "y"], { iat: now }))),
    ErrorCode.PermissionDenied,
  );
  // Key order is part of what is signed; exp gets a 5 s grace.
  assert.equal(
    codeOf(verify(signKeys("new-key", "u", "poll:a", ["y", "x"], { iat: now }))),
    ErrorCode.PermissionDenied,
  );
  assert.equal(
    codeOf(verify(signKeys("new-key", "u", "poll:a", ["x", "y"], { iat: now - 60, exp: now - 5 }))),
    0,
  );
  assert.equal(
    codeOf(verify(signKeys("new-key", "u", "poll:a", ["x", "y"], { iat: now - 60, exp: now - 6 }))),
    ErrorCode.TokenExpired,
  );
});

test("concurrency_limit: no more calls run at once than the limit, and every call runs", async () => {
  const limit = createCallLimit(3);
  let running = 0;
  let most = 0;
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      limit.run(async () => {
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        return i;
      }),
    ),
  );
  assert.equal(most, 3);
  assert.deepEqual(
    results,
    Array.from({ length: 20 }, (_, i) => i),
  );
});
