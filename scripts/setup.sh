#!/usr/bin/env bash
# Installs everything the project needs, from npm only, into the checkout: the pinned Deno
# (tools/deno), the bcoin regtest node (tools/bcoin) and the Deno dependencies (frozen lock).
# Idempotent and quiet when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
unset RUST_BACKTRACE

DENO_VERSION=2.9.6
DENO=tools/deno/node_modules/.bin/deno

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "setup: Node.js and npm are required (apt-get install nodejs npm)" >&2
  exit 1
fi
if ! "$DENO" --version 2>/dev/null | grep -q "^deno $DENO_VERSION "; then
  echo "setup: installing Deno $DENO_VERSION from npm into tools/deno" >&2
  npm install --prefix tools/deno --no-audit --no-fund --loglevel=error >&2
fi
if [ ! -f tools/bcoin/node_modules/bcoin/bin/node ] || [ ! -d tools/bcoin/node_modules/leveldown ]; then
  echo "setup: installing the bcoin regtest node from npm into tools/bcoin" >&2
  npm install --prefix tools/bcoin --no-audit --no-fund --loglevel=error >&2
fi
"$DENO" install --frozen --quiet
