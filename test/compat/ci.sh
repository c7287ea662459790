#!/usr/bin/env bash
# CI ratchet for Redis-suite compatibility (issue 6).
#
# Runs, against threadis only, exactly the tests listed in test/compat/passing.txt
# (runtest --only, file by file, each under a time limit; a file that loses a
# listed test is run again in full before it counts as a regression) and exits
# non-zero if any listed test no longer passes. Installs its own prerequisites
# on a fresh machine (deb-src + apt-get source redis, tclsh, redis-server).
#
# Bounded in time: COMPAT_CI_FILE_TIMEOUT per unit file (default 240 s),
# COMPAT_CI_BUDGET for starting new files (default 1200 s; files not started in
# time count as regressions, so the list must stay runnable in the budget), and
# a hard wall-clock cap COMPAT_CI_TIMEOUT on the whole thing (default 1800 s).
#
# Usage: test/compat/ci.sh            (from anywhere; needs npm ci done first)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
cd "$REPO"

NODE="${NODE:-$REPO/node_modules/.bin/node}"
if [ ! -x "$NODE" ]; then
  echo "compat ratchet: $NODE missing; run 'npm ci' first" >&2
  exit 2
fi
LIST="${COMPAT_PASSING:-$HERE/passing.txt}"
if [ ! -f "$LIST" ] || ! grep -qv '^\s*\(#\|$\)' "$LIST"; then
  echo "compat ratchet: $LIST lists no tests yet; nothing to check"
  exit 0
fi

"$HERE/fetch-redis.sh" >/dev/null

exec timeout --kill-after=20 "${COMPAT_CI_TIMEOUT:-1800}" \
  "$NODE" "$HERE/run.ts" --ratchet "$LIST" \
    --file-timeout "${COMPAT_CI_FILE_TIMEOUT:-240}" \
    --budget "${COMPAT_CI_BUDGET:-1200}" \
    --out "${COMPAT_CI_OUT:-$HERE/results}" "$@"
