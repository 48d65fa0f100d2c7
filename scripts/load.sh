#!/usr/bin/env bash
# make load (not part of make test): server/examples/load.rs against a release sxt-auth-server with lifetimes
# shortened to seconds, so expired challenges, tokens and sessions are purged while it runs.
#
#   LOAD_CONNECTIONS (default 1000)  LOAD_SIGN_INS (default 100000)
#
# Holds LOAD_CONNECTIONS keep-alive connections at once, plus 50 idle half-open ones and one dripping a body;
# reports sign-ins per second, p50/p99 latency, errors (0 expected), the server's RSS a third of the way
# and at the end, and whether the dripped body was cut off. Exit status 0 when there was no error.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
CONNECTIONS=${LOAD_CONNECTIONS:-1000}
TOTAL=${LOAD_SIGN_INS:-100000}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sxt-load.XXXXXX")
SERVER_PID=
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() { [ -z "$SERVER_PID" ] || kill "$SERVER_PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
# Every connection is a file descriptor on both sides.
ulimit -n "$(( CONNECTIONS * 2 + 512 ))" 2>/dev/null || ulimit -n "$(ulimit -Hn)"

cargo build -q --release -p sxt-auth-server --bin sxt-auth-server --example load
"$TARGET/release/sxt-auth-server" --listen 127.0.0.1:0 --max-connections "$(( CONNECTIONS + 100 ))" \
    --challenge-ttl 2 --access-ttl 1 --refresh-ttl 2 --session-ttl 2 >"$WORK/server.out" 2>/dev/null &
SERVER_PID=$!
URL=
for _ in $(seq 100); do
    URL=$(sed -n 's/^listening on //p' "$WORK/server.out")
    [ -n "$URL" ] && break
    sleep 0.1
done
[ -n "$URL" ] || { echo "load: the server did not start" >&2; exit 1; }
echo "== load: $CONNECTIONS connections, $TOTAL sign-ins against $URL (server pid $SERVER_PID)"
printf 'LOAD\tserver_rss_kb_idle\t%s\n' "$(( $(awk '{print $2}' "/proc/$SERVER_PID/statm") * 4 ))"
"$TARGET/release/examples/load" "$URL" "$SERVER_PID" "$CONNECTIONS" "$TOTAL"
