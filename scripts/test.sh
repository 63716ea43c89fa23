#!/usr/bin/env bash
# The whole test suite: format, lint and type checks, then every test (unit tests and
# integration tests against a real bcoin regtest node). Ends with "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
unset RUST_BACKTRACE
bash scripts/setup.sh || exit 1
# Tests drive Debian's Electrum (the end-to-end wallet test) and systemd-analyze (the service
# unit check); install them where we can (root + apt).
packages=()
command -v electrum >/dev/null || packages+=(electrum)
command -v systemd-analyze >/dev/null || packages+=(systemd)
if [ ${#packages[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "test: installing Debian's ${packages[*]} for the tests that use them" >&2
    export DEBIAN_FRONTEND=noninteractive
    {
      apt-get install -y -qq "${packages[@]}" ||
        { apt-get update -qq && apt-get install -y -qq "${packages[@]}"; }
    } >/dev/null 2>&1 || echo "test: could not install ${packages[*]}; tests will fail" >&2
  else
    echo "test: some tests need Debian's ${packages[*]}: sudo apt-get install ${packages[*]}" >&2
  fi
fi
export PATH="$PWD/tools/deno/node_modules/.bin:$PATH" NO_COLOR=1

log=$(mktemp)
deno task test "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# deno test ends with "ok | 12 passed (3 steps) | 0 failed | 1 ignored (2s)"; restate it in
# the plain form every CI reader understands: "12 passed, 0 failed, 1 skipped".
summary=""
line=$(grep -E '^(ok|FAILED) \| [0-9]+ passed' "$log" | tail -n 1)
if [[ $line =~ \|\ ([0-9]+)\ passed[^|]*\|\ ([0-9]+)\ failed ]]; then
  summary="${BASH_REMATCH[1]} passed, ${BASH_REMATCH[2]} failed"
  if [[ $line =~ \|\ ([0-9]+)\ ignored ]]; then summary="$summary, ${BASH_REMATCH[1]} skipped"; fi
fi
rm -f "$log"
if [ -n "$summary" ]; then
  echo "$summary"
elif [ "$status" -ne 0 ]; then
  echo "0 passed, 1 failed"
fi
exit "$status"
