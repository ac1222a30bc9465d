import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
// @ts-expect-error: a plain .mjs build script without type declarations
import { staleReason, stampPath } from "../../scripts/build-state.mjs";

const reason = staleReason as (root: string) => string | undefined;

test("npm start says why it builds: first start, sources changed, or nothing when dist/ is current", () => {
  const root = mkdtempSync(join(tmpdir(), "rotor-build-state-"));
  try {
    mkdirSync(join(root, "src"));
    writeFileSync(join(root, "src", "cli.ts"), "");
    assert.equal(reason(root), "building (first start)…");

    mkdirSync(join(root, "dist"));
    const stamp = (stampPath as (root: string) => string)(root);
    writeFileSync(stamp, "");
    const past = new Date(Date.now() - 60_000);
    utimesSync(join(root, "src", "cli.ts"), past, past);
    utimesSync(join(root, "src"), past, past);
    assert.equal(reason(root), undefined);

    writeFileSync(join(root, "src", "new-file.ts"), "");
    assert.equal(reason(root), "sources changed, building…");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
