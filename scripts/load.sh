#!/usr/bin/env bash
# make load (not part of make test): server/examples/load.rs against a release sxt-auth-server with lifetimes
# shortened to seconds, so expired challenges, tokens and sessions are purged while it runs.
#
#   LOAD_CONNECTIONS (default 1000)  LOAD_SIGN_INS (default 200000)
#
# Holds LOAD_CONNECTIONS keep-alive connections at once, plus 50 idle half-open ones and one dripping a body;
# reports sign-ins per second, p50/p99 latency, errors (0 expected), the server's RSS a third of the way
# and at the end, and whether the dripped body was cut off. Exit status 0 when there was no error.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
CONNECTIONS=${LOAD_CONNECTIONS:-1000}
TOTAL=${LOAD_SIGN_INS:-200000}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sxt-load.XXXXXX")
# shellcheck source=tests/lib/runner.sh
source "$ROOT/tests/lib/runner.sh"  # start_server (SERVER_URL, SERVER_PIDS) and the clean-up on exit
CLEANUP_DIRS+=("$WORK")
export SXT_SERVER_BIN="$TARGET/release/sxt-auth-server"
# Every connection is a file descriptor on both sides.
ulimit -n "$(( CONNECTIONS * 2 + 512 ))" 2>/dev/null || ulimit -n "$(ulimit -Hn)"

cargo build -q --release -p sxt-auth-server --bin sxt-auth-server --example load
start_server "$WORK/server" --max-connections "$(( CONNECTIONS + 100 ))" \
    --challenge-ttl 2 --access-ttl 1 --refresh-ttl 2 --session-ttl 2 || exit 1
SERVER_PID=${SERVER_PIDS[-1]}
URL=$SERVER_URL
echo "== load: $CONNECTIONS connections, $TOTAL sign-ins against $URL (server pid $SERVER_PID)"
printf 'LOAD\tserver_rss_kb_idle\t%s\n' "$(( $(awk '{print $2}' "/proc/$SERVER_PID/statm") * 4 ))"
"$TARGET/release/examples/load" "$URL" "$SERVER_PID" "$CONNECTIONS" "$TOTAL"
