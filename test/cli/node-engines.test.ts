import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import semver from "semver";

const read = (name: string) => JSON.parse(readFileSync(new URL(`../../${name}`, import.meta.url), "utf8"));

test("every installed package supports the oldest Node.js rotor supports, so npm ci warns about no engine", () => {
  const supported: string = read("package.json").engines.node;
  const oldest = semver.minVersion(supported)!.version;
  assert.equal(semver.major(oldest), 20, "rotor supports Node.js 20");
  const packages: Record<string, { engines?: { node?: string } }> = read("package-lock.json").packages;
  const unsupported = Object.entries(packages)
    .filter(([, p]) => p.engines?.node && !semver.satisfies(oldest, p.engines.node))
    .map(([path, p]) => `${path} needs node ${p.engines!.node}`);
  assert.deepEqual(unsupported, [], `packages that do not run on Node.js ${oldest}`);
});
