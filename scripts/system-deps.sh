#!/usr/bin/env bash
# Makes sure the Debian packages the tests talk to are installed: installs the
# missing ones when running as root with apt, otherwise stops with the exact
# command to run. Never skips silently.
set -euo pipefail

missing=()
have() { command -v "$1" >/dev/null 2>&1; }
have protoc || missing+=(protobuf-compiler)
[ -x /usr/bin/grpc_python_plugin ] || missing+=(protobuf-compiler-grpc)
/usr/bin/python3 -c 'import grpc' >/dev/null 2>&1 || missing+=(python3-grpcio)
/usr/bin/python3 -c 'import google.protobuf' >/dev/null 2>&1 || missing+=(python3-protobuf)
[ -x /usr/bin/chromium ] || missing+=(chromium)
have h2load || missing+=(nghttp2-client)
have openssl || missing+=(openssl)
have curl || missing+=(curl)
have redis-server || missing+=(redis-server)
have redis-sentinel || missing+=(redis-sentinel)
have redis-cli || missing+=(redis-tools)
have redis-benchmark || missing+=(redis-tools)
# Debian puts nats-server in /usr/sbin, which is not on every user's PATH.
[ -x /usr/sbin/nats-server ] || have nats-server || missing+=(nats-server)
# Debian keeps PostgreSQL's server binaries off PATH, in /usr/lib/postgresql/<major>/bin.
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
line="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" = "0" ] && have apt-get; then
  echo "installing test dependencies: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  $line
else
  echo "The tests need Debian packages that are not installed: ${missing[*]}" >&2
  echo "Install them with:" >&2
  echo "  sudo apt-get update && sudo $line" >&2
  exit 1
fi
