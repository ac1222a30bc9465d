import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { SignJWT } from "jose";
import { runRotor as rotor } from "../helpers/cli-run.js";

const secret = "check-token-secret";
const env = { ROTOR_CLIENT_TOKEN_HMAC_SECRET_KEY: secret };
const dir = mkdtempSync(join(tmpdir(), "rotor-cli-"));

function sign(claims: Record<string, unknown>, key = secret): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(key));
}

describe("rotor commands", { concurrency: true }, () => {
  test("version and --version print rotor's version", async () => {
    for (const args of [["version"], ["--version"]]) {
      const run = await rotor(args);
      assert.equal(run.code, 0);
      assert.match(run.stdout, /^rotor v\d+\.\d+\.\d+ \(Node v\d+/);
    }
  });

  test("help lists every command; help <command> and <command> --help show its own flags", async () => {
    const general = await rotor(["help"]);
    for (const name of [
      "serve",
      "genconfig",
      "checkconfig",
      "defaultconfig",
      "defaultenv",
      "gentoken",
      "checktoken",
    ]) {
      assert.match(general.stdout, new RegExp(`\\n  ${name}\\b`));
    }
    const viaHelp = await rotor(["help", "gentoken"]);
    const viaFlag = await rotor(["gentoken", "--help"]);
    assert.equal(viaHelp.code, 0);
    assert.equal(viaHelp.stdout, viaFlag.stdout);
    assert.match(viaHelp.stdout, /^Usage: rotor gentoken \[flags\]/);
    assert.match(viaHelp.stdout, /-u, --user/);
    assert.match(viaHelp.stdout, /-t, --ttl/);
    assert.doesNotMatch(viaHelp.stdout, /--channel/);
    assert.match((await rotor(["help", "gensubtoken"])).stdout, /-s, --channel/);
    assert.match((await rotor(["help", "defaultconfig"])).stdout, /-d, --dry-run/);
    const unknown = await rotor(["help", "nope"]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "nope"/);
  });

  test("checktoken accepts a good token and refuses an expired and a badly signed one", async () => {
    const now = Math.floor(Date.now() / 1000);
    const good = await rotor(["checktoken", await sign({ sub: "alice", exp: now + 600 })], env);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /^valid token for user "alice"\npayload: \{"sub":"alice","exp":\d+\}\n$/);

    const expired = await rotor(["checktoken", await sign({ sub: "alice", exp: now - 10 })], env);
    assert.equal(expired.code, 1);
    assert.equal(expired.stderr, "error: token expired\n");

    const forged = await rotor(["checktoken", await sign({ sub: "alice" }, "another-secret")], env);
    assert.equal(forged.code, 1);
    assert.match(forged.stderr, /^error: invalid token: .*signature/);

    const sub = await rotor(["checksubtoken", await sign({ sub: "bob", channel: "news" })], env);
    assert.match(sub.stdout, /^valid token for user "bob" and channel "news"\n/);
    assert.equal((await rotor(["checktoken"], env)).code, 2);
  });

  test("defaultconfig output in each format is accepted by checkconfig", async () => {
    for (const ext of ["json", "yaml", "toml"]) {
      const file = join(dir, `defaults.${ext}`);
      const written = await rotor(["defaultconfig", "-c", file]);
      assert.equal(written.code, 0, written.stderr);
      const checked = await rotor(["checkconfig", "-c", file]);
      assert.equal(checked.code, 0, `${ext}: ${checked.stderr}`);
      assert.equal(checked.stdout, "configuration is valid\n");
      const again = await rotor(["defaultconfig", "-c", file]);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /already exists/);
    }
    const printed = await rotor(["defaultconfig", "--dry-run", "-c", "x.yaml"]);
    assert.match(printed.stdout, /^log:\n {2}level: info\n/);
  });

  test("defaultconfig --base keeps the base file's values; defaultenv lists every option", async () => {
    const base = join(dir, "base.json");
    writeFileSync(
      base,
      JSON.stringify({
        http_api: { key: "base-key" },
        client: { allowed_origins: ["https://a", "https://b"] },
      }),
    );
    const merged = JSON.parse((await rotor(["defaultconfig", "-d", "-b", base])).stdout);
    assert.equal(merged.http_api.key, "base-key");
    assert.equal(merged.http_api.handler_prefix, "/api");

    const listed = await rotor(["defaultenv", "-b", base]);
    assert.equal(listed.code, 0);
    const lines = listed.stdout.trim().split("\n");
    assert.deepEqual(lines, [...lines].sort());
    assert.ok(lines.includes('ROTOR_HTTP_API_KEY="base-key"'));
    assert.ok(lines.includes('ROTOR_CLIENT_ALLOWED_ORIGINS="https://a https://b"'));
    assert.ok(lines.includes("ROTOR_HTTP_SERVER_PORT=8000"));
    assert.ok(lines.includes('ROTOR_CLIENT_PING_INTERVAL="25s"'));
    assert.match(
      (await rotor(["defaultenv", "--prefix", "CENTRIFUGO_"])).stdout,
      /^CENTRIFUGO_ADMIN_ENABLED=false$/m,
    );
  });

  test("genconfig writes YAML and TOML too; unknown commands and flags exit 2 with a hint", async () => {
    const file = join(dir, "starter.toml");
    assert.equal((await rotor(["genconfig", "-c", file])).code, 0);
    assert.match(readFileSync(file, "utf8"), /\[http_api\]\nkey = "/);
    assert.equal((await rotor(["checkconfig", "-c", file])).code, 0);

    const command = await rotor(["nope"]);
    assert.equal(command.code, 2);
    assert.match(command.stderr, /unknown command "nope"/);
    const flag = await rotor(["checkconfig", "--http_api.kye", "x"]);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /unknown flag --http_api.kye \(did you mean --http_api.key\?\)/);
  });
});
