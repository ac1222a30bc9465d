#!/usr/bin/env bash
# Fails when gen/ is not what `buf generate` makes from proto/ today.
set -euo pipefail
export PATH="$PWD/node_modules/.bin:$PATH"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
node_modules/.bin/buf generate -o "$tmp"
if ! diff -r gen "$tmp/gen" >/dev/null; then
  echo "gen/ is stale: run 'npm run generate' and commit the result" >&2
  diff -r gen "$tmp/gen" | head -20 >&2
  exit 1
fi
