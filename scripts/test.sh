#!/usr/bin/env bash
# The whole test suite: format, lint and type checks, then every test (unit tests and
# integration tests against a real bcoin regtest node). Ends with "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
unset RUST_BACKTRACE
bash scripts/setup.sh || exit 1
export PATH="$PWD/tools/deno/node_modules/.bin:$PATH" NO_COLOR=1

log=$(mktemp)
deno task test "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# deno test ends with "ok | 12 passed (3 steps) | 0 failed | 1 ignored (2s)"; restate it in
# the plain form every CI reader understands.
summary=$(sed -nE 's/^(ok|FAILED) \| ([0-9]+) passed[^|]*\| ([0-9]+) failed( \| ([0-9]+) ignored)?.*/\2 passed, \3 failed, \5 skipped/p' "$log" | sed -E 's/, skipped$//' | tail -n 1)
rm -f "$log"
if [ -n "$summary" ]; then
  echo "$summary"
elif [ "$status" -ne 0 ]; then
  echo "0 passed, 1 failed"
fi
exit "$status"
