# Shared by the C and C++ test runners (tests/c/run.sh, tests/cpp/run.sh): sanitizer and valgrind settings,
# the pass/fail counters, one-check helpers, running a test program and adding its `N passed, N failed`,
# starting local servers, and the closing summary. Source it after setting ROOT (repository), START (epoch
# seconds), OUT (build output directory, with a logs/ subdirectory) and RUNNER_NAME (for the summary).
# shellcheck shell=bash disable=SC2034,SC2054  # arrays are used by the sourcing runners; commas are in compiler flags

SAN=(-fsanitize=address,undefined -fno-omit-frame-pointer -g)
# Leak detection and halting on undefined behaviour are forced on, whatever else the caller set.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:halt_on_error=1"
VALGRIND=(valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect
          --error-exitcode=1 --quiet --suppressions="$ROOT/tests/c/valgrind.supp")

PASSED=0
FAILED=0
FAILURES=()
SERVER_PIDS=()

pass() { PASSED=$((PASSED + 1)); printf 'ok   %s\n' "$*"; }
fail() { FAILED=$((FAILED + 1)); FAILURES+=("$*"); printf 'FAIL %s\n' "$*"; }
# check NAME COMMAND...: one check, passed when COMMAND succeeds.
check() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
section() { printf '\n== %s\n' "$*"; }

cleanup() {
    local pid
    for pid in "${SERVER_PIDS[@]}"; do
        kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    done
}
trap cleanup EXIT

finish() {
    local elapsed=$(( $(date +%s) - START ))
    if [ "${#FAILURES[@]}" -gt 0 ]; then
        printf '\nFailures:\n'
        printf '  %s\n' "${FAILURES[@]}"
    fi
    printf '\n%s took %d s\n' "$RUNNER_NAME" "$elapsed"
    printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
    [ "$FAILED" -eq 0 ]
    exit $?
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

# Starts a local server in the background; sets SERVER_URL. Arguments: an output file, then server arguments.
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
    return 1
}
