// Builds rotor into dist/: the server with tsc, then the admin web UI with
// esbuild (dist/admin). With --if-stale it does nothing when dist/ is newer
// than every source, so `npm start` starts at once when nothing changed;
// with --admin it builds the web UI only (a fraction of a second).
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const root = new URL("..", import.meta.url).pathname;
const stamp = join(root, "dist", ".build-stamp");
const web = join(root, "src", "admin", "web");
const out = join(root, "dist", "admin");
const sources = [
  "src",
  "gen",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
  "tsconfig.build.json",
  "scripts/build.mjs",
];

function newest(path) {
  const full = join(root, path);
  if (!existsSync(full)) return 0;
  const stat = statSync(full);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(full).map((name) => newest(join(path, name))));
}

async function buildAdmin() {
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [join(web, "main.ts")],
    outfile: join(out, "app.js"),
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    legalComments: "none",
    logLevel: "warning",
  });
  for (const file of ["index.html", "app.css"]) copyFileSync(join(web, file), join(out, file));
}

if (process.argv.includes("--admin")) {
  await buildAdmin();
  process.exit(0);
}
if (process.argv.includes("--if-stale")) {
  if (existsSync(stamp) && Math.max(...sources.map(newest)) <= statSync(stamp).mtimeMs) process.exit(0);
  // npm start builds before it serves: say so, or the first start looks like a hang.
  process.stderr.write(
    existsSync(stamp) ? "rotor: sources changed, building…\n" : "rotor: building (first start)…\n",
  );
}
execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
  cwd: root,
  stdio: "inherit",
});
// The package's bin: npx and npm link run it directly, so it must be executable (tsc writes it 0644).
chmodSync(join(root, "dist", "src", "cli.js"), 0o755);
await buildAdmin();
writeFileSync(stamp, `${new Date().toISOString()}\n`);
