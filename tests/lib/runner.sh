# Shared by the test runners (tests/c/run.sh, tests/cpp/run.sh, bindings/go/run-tests.sh,
# bindings/swift/run-tests.sh): sanitizer and valgrind settings, the pass/fail/skip counters, one-check
# helpers, a missing toolchain (a failure under CI=true, else a skip), running a test program and adding its
# `N passed, N failed`, starting local servers, cleaning up, and the closing summary. Source it after setting
# ROOT (repository), START (epoch seconds), OUT (output directory, with a logs/ subdirectory) and
# RUNNER_NAME (for the summary). Directories listed in CLEANUP_DIRS are removed on exit.
#
# The closing line is `N passed, N failed` or, when a part was not run, `N passed, N failed, N skipped`;
# the exit status is 0 (all passed), 77 (nothing failed but something was skipped: tests/run-suites.sh
# reports the suite as skipped) or 1 (a failure).
# shellcheck shell=bash disable=SC2034,SC2054  # arrays are used by the sourcing runners; commas are in compiler flags

SAN=(-fsanitize=address,undefined -fno-omit-frame-pointer -g)
# Leak detection and halting on undefined behaviour are forced on, whatever else the caller set.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:halt_on_error=1"
# --num-callers: the suppressions name frames (rustls' write_tls) that lie deeper than valgrind's default 12.
VALGRIND=(valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect
          --error-exitcode=1 --quiet --num-callers=40 --suppressions="$ROOT/tests/c/valgrind.supp")

PASSED=0
FAILED=0
SKIPPED=0
FAILURES=()
SKIPS=()
SERVER_PIDS=()
CLEANUP_DIRS=()

pass() { PASSED=$((PASSED + 1)); printf 'ok   %s\n' "$*"; }
fail() { FAILED=$((FAILED + 1)); FAILURES+=("$*"); printf 'FAIL %s\n' "$*"; }
skip() { SKIPPED=$((SKIPPED + 1)); SKIPS+=("$*"); printf 'SKIP %s (not run)\n' "$*"; }
# missing WHAT TOOL: WHAT cannot run without TOOL. Under CI=true a failure, otherwise a skip.
missing() {
    if [ "${CI:-}" = "true" ]; then
        fail "$1 (missing: $2; CI=true makes this a failure)"
    else
        skip "$1 (missing: $2; set CI=true to make this a failure)"
    fi
}
# check NAME COMMAND...: one check, passed when COMMAND succeeds.
check() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
section() { printf '\n== %s\n' "$*"; }

cleanup() {
    local pid
    for pid in "${SERVER_PIDS[@]}"; do
        kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    done
    [ ${#CLEANUP_DIRS[@]} -eq 0 ] || rm -rf "${CLEANUP_DIRS[@]}"
    return 0
}
trap cleanup EXIT

finish() {
    local elapsed=$(( $(date +%s) - START ))
    if [ "${#SKIPS[@]}" -gt 0 ]; then
        printf '\nNot run:\n'
        printf '  %s\n' "${SKIPS[@]}"
    fi
    if [ "${#FAILURES[@]}" -gt 0 ]; then
        printf '\nFailures:\n'
        printf '  %s\n' "${FAILURES[@]}"
    fi
    printf '\n%s took %d s\n' "$RUNNER_NAME" "$elapsed"
    if [ "$SKIPPED" -gt 0 ]; then
        printf '%d passed, %d failed, %d skipped\n' "$PASSED" "$FAILED" "$SKIPPED"
    else
        printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
    fi
    if [ "$FAILED" -gt 0 ]; then exit 1; fi
    if [ "$SKIPPED" -gt 0 ]; then exit 77; fi
    exit 0
}

# run_program LABEL COMMAND...: runs a test program, adds its `N passed, N failed` to the totals.
run_program() {
    local label=$1; shift
    local log="$OUT/logs/$label"
    local t0 rc last p f
    mkdir -p "$(dirname "$log")"
    t0=$(date +%s)
    "$@" >"$log.out" 2>"$log.err"
    rc=$?
    last=$(tail -n 1 "$log.out")
    if [[ "$last" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
        p=${BASH_REMATCH[1]}
        f=${BASH_REMATCH[2]}
        PASSED=$((PASSED + p))
        FAILED=$((FAILED + f))
        [ "$f" -gt 0 ] && FAILURES+=("$label: $f failed checks")
        if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
            fail "$label exited with status $rc after all its checks passed (sanitizer or valgrind report)"
        fi
        check "$label made checks" test "$p" -gt 0
        printf '%-4s %s: %s (exit %d, %d s)\n' "$([ "$rc" -eq 0 ] && [ "$f" -eq 0 ] && echo ok || echo FAIL)" \
            "$label" "$last" "$rc" "$(( $(date +%s) - t0 ))"
    else
        fail "$label: no summary line (exit $rc); it crashed or was killed"
    fi
    if [ "$rc" -ne 0 ] || [[ ! "$last" =~ \ 0\ failed$ ]]; then
        echo "---- $label stderr (last 80 lines; full logs in $log.out / $log.err)"
        tail -n 80 "$log.err"
        echo "----"
    fi
}

# Starts a loopback listener that accepts connections and never answers (python3), for deadline and
# cancellation runs; sets STALL_URL (http://127.0.0.1:PORT). Argument: a file for its port.
start_staller() {
    local out=$1 i
    STALL_URL=
    python3 -c 'import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(64)
print(s.getsockname()[1], flush=True)
held = []
while True:
    held.append(s.accept()[0])' >"$out" 2>"$out.log" &
    SERVER_PIDS+=($!)
    for i in $(seq 1 100); do
        if [ -s "$out" ]; then
            STALL_URL="http://127.0.0.1:$(head -n 1 "$out")"
            return 0
        fi
        sleep 0.1
    done
    echo "the stalling listener did not start; its log:" >&2
    cat "$out.log" >&2
    return 1
}

# Starts a local server in the background; sets SERVER_URL. Arguments: an output file, then server arguments.
# On failure prints the server's log.
start_server() {
    local out=$1; shift
    local i
    SERVER_URL=
    "$SXT_SERVER_BIN" --listen 127.0.0.1:0 "$@" >"$out" 2>"$out.log" &
    SERVER_PIDS+=($!)
    for i in $(seq 1 300); do
        if grep -q '^listening on ' "$out" 2>/dev/null; then
            SERVER_URL=$(sed -n 's/^listening on //p' "$out" | head -n 1)
            return 0
        fi
        sleep 0.1
    done
    echo "the server printed no listening line; its log ($out.log):" >&2
    cat "$out.log" >&2
    return 1
}
