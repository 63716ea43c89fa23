#!/usr/bin/env bash
# The built-in demo: a local bcoin regtest node with a generated chain, and `electrumx serve`
# against it. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
unset RUST_BACKTRACE
bash scripts/setup.sh
export PATH="$PWD/tools/deno/node_modules/.bin:$PATH"
exec deno task demo "$@"
