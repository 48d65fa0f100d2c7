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
# shellcheck source=tests/lib/runner.sh
source "$ROOT/tests/lib/runner.sh"  # start_server (SERVER_URL, SERVER_PIDS) and the clean-up on exit
CLEANUP_DIRS+=("$WORK")
export SXT_SERVER_BIN="$TARGET/debug/sxt-auth-server"
SHORT_LIFETIMES=(--access-ttl 2 --refresh-ttl 30 --session-ttl 12)

cargo build -q -p sxt-auth --lib
cargo build -q -p sxt-auth-server
gcc -O2 -g -Wall -Wextra -Werror -std=c11 -pthread -Iinclude tests/soak/soak.c -L"$TARGET/debug" -lsxt_auth \
    -Wl,-rpath,"$TARGET/debug" -o "$WORK/soak"
count() { grep -c "^$1 -> $2 " "$3" || true; }
stop_server() { kill "${SERVER_PIDS[-1]}" 2>/dev/null; wait "${SERVER_PIDS[-1]}" 2>/dev/null || true; }

echo "== soak: $THREADS threads for $SECONDS_TOTAL s against $TARGET/debug/sxt-auth-server"
start_server "$WORK/server" "${SHORT_LIFETIMES[@]}" || exit 1
status=0
"$WORK/soak" "$SERVER_URL" "$SECONDS_TOTAL" "$THREADS" | tee "$WORK/soak.out" || status=1
stop_server
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
    start_server "$WORK/server-vg" "${SHORT_LIFETIMES[@]}" || exit 1
    if valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect --num-callers=40 \
        --error-exitcode=1 --quiet --suppressions=tests/c/valgrind.supp "$WORK/soak" "$SERVER_URL" "$VG_SECONDS" 4 \
        >"$WORK/vg.out" 2>"$WORK/vg.err"; then
        printf 'SOAK\tvalgrind\t0 errors, 0 leaks (%s operations)\n' "$(awk -F'\t' '$2 == "ops" { print $3 }' "$WORK/vg.out")"
    else
        tail -n 40 "$WORK/vg.err" >&2
        printf 'SOAK\tvalgrind\tFAILED\n'
        status=1
    fi
    stop_server
else
    printf 'SOAK\tvalgrind\tnot installed: the leak run was not made\n'
    status=1
fi
[ "$status" -eq 0 ] && echo "soak: passed" || echo "soak: FAILED"
exit "$status"
