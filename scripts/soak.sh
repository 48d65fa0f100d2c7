#!/usr/bin/env bash
# make soak (not part of make test): tests/soak/soak.c through the C ABI against the local server with
# lifetimes shortened to seconds (access 2 s, session 12 s: a refresh about every second and a new sign-in
# every 12 s for every session), then the same at a smaller size under valgrind.
#
#   SOAK_SECONDS (default 600)  SOAK_THREADS (default 16)  SOAK_VALGRIND_SECONDS (default 20, 4 threads)
#
# Reports operations, errors by status (0 expected), the server's count of sign-ins, refreshes and refusals,
# RSS in the steady state and at the end, live library objects (0 expected), and valgrind's leak verdict.
# Exit status 0 when there was no error, nothing was left alive, RSS grew by less than 8 MB in the steady
# state, and valgrind found no leak.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
SECONDS_TOTAL=${SOAK_SECONDS:-600}
THREADS=${SOAK_THREADS:-16}
VG_SECONDS=${SOAK_VALGRIND_SECONDS:-20}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sxt-soak.XXXXXX")
SERVER_PID=
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() { [ -z "$SERVER_PID" ] || kill "$SERVER_PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

cargo build -q -p sxt-auth --lib
cargo build -q -p sxt-auth-server
gcc -O2 -g -Wall -Wextra -Werror -std=c11 -pthread -Iinclude tests/soak/soak.c -L"$TARGET/debug" -lsxt_auth \
    -Wl,-rpath,"$TARGET/debug" -o "$WORK/soak"

# start_server LOG: a server with short lifetimes; sets URL.
start_server() {
    "$TARGET/debug/sxt-auth-server" --listen 127.0.0.1:0 --access-ttl 2 --refresh-ttl 30 --session-ttl 12 \
        >"$WORK/server.out" 2>"$1" &
    SERVER_PID=$!
    URL=
    for _ in $(seq 100); do
        URL=$(sed -n 's/^listening on //p' "$WORK/server.out")
        [ -n "$URL" ] && return 0
        sleep 0.1
    done
    echo "soak: the server did not start" >&2
    exit 1
}
count() { grep -c "^$1 -> $2 " "$3" || true; }

echo "== soak: $THREADS threads for $SECONDS_TOTAL s against $TARGET/debug/sxt-auth-server"
start_server "$WORK/server.log"
status=0
"$WORK/soak" "$URL" "$SECONDS_TOTAL" "$THREADS" | tee "$WORK/soak.out" || status=1
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
printf 'SOAK\tserver_sign_ins\t%s\n' "$(count 'POST /v1/auth/token' 200 "$WORK/server.log")"
printf 'SOAK\tserver_refreshes\t%s\n' "$(count 'POST /v1/auth/refresh' 200 "$WORK/server.log")"
printf 'SOAK\tserver_refresh_refusals\t%s\n' "$(count 'POST /v1/auth/refresh' 401 "$WORK/server.log")"
printf 'SOAK\tserver_logouts\t%s\n' "$(count 'POST /v1/auth/logout' 204 "$WORK/server.log")"
start_kb=$(awk -F'\t' '$2 == "rss_kb_start" { print $3 }' "$WORK/soak.out")
end_kb=$(awk -F'\t' '$2 == "rss_kb_end" { print $3 }' "$WORK/soak.out")
if [ -n "$start_kb" ] && [ -n "$end_kb" ] && [ $((end_kb - start_kb)) -ge 8192 ]; then
    echo "soak: RSS grew from $start_kb kB to $end_kb kB in the steady state" >&2
    status=1
fi

if command -v valgrind >/dev/null; then
    echo "== soak under valgrind: 4 threads for $VG_SECONDS s"
    start_server "$WORK/server-vg.log"
    if valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
        --error-exitcode=1 --quiet --suppressions=tests/c/valgrind.supp "$WORK/soak" "$URL" "$VG_SECONDS" 4 \
        >"$WORK/vg.out" 2>"$WORK/vg.err"; then
        printf 'SOAK\tvalgrind\t0 errors, 0 leaks (%s operations)\n' "$(awk -F'\t' '$2 == "ops" { print $3 }' "$WORK/vg.out")"
    else
        tail -n 40 "$WORK/vg.err" >&2
        printf 'SOAK\tvalgrind\tFAILED\n'
        status=1
    fi
    kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
else
    printf 'SOAK\tvalgrind\tnot installed: the leak run was not made\n'
    status=1
fi
[ "$status" -eq 0 ] && echo "soak: passed" || echo "soak: FAILED"
exit "$status"
