#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser of untrusted input (fuzz/, libFuzzer through cargo-fuzz on nightly).
#
#   make fuzz                       every target for FUZZ_RUNS executions (default 1,000,000)
#   FUZZ_SECONDS=5 make fuzz        every target for that many seconds instead (the smoke `make test` runs)
#   FUZZ_TARGETS="pem replies" ...  only these targets
#
# Each target starts from its committed seeds (fuzz/corpus/TARGET) copied into target/fuzz-corpus/TARGET,
# which keeps what the fuzzer learns between runs without touching the source tree. A crash leaves its input
# in target/fuzz-artifacts/TARGET/ and fails the run; the fix comes with a regression test in the normal
# suites. Prints each target's execution count, then `N passed, N failed[, N skipped]` (exit 77 when
# nightly or cargo-fuzz is missing outside CI).
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
START=$(date +%s)
OUT="$TARGET_DIR/fuzz-runs"
RUNNER_NAME=scripts/fuzz.sh
mkdir -p "$OUT/logs"
# shellcheck source=tests/lib/runner.sh
source "$ROOT/tests/lib/runner.sh"
read -r -a TARGETS <<<"${FUZZ_TARGETS:-private_key base_url pem replies server session}"

if ! cargo +nightly --version >/dev/null 2>&1; then
    missing "fuzzing" "the nightly Rust toolchain (rustup toolchain install nightly)"
    finish
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    missing "fuzzing" "cargo-fuzz (cargo install cargo-fuzz --locked)"
    finish
fi
if [ -n "${FUZZ_SECONDS:-}" ]; then
    LIMIT=(-max_total_time="$FUZZ_SECONDS")
    echo "each target for $FUZZ_SECONDS s"
else
    LIMIT=(-runs="${FUZZ_RUNS:-1000000}")
    echo "each target for ${FUZZ_RUNS:-1000000} executions"
fi

section "build (cargo +nightly fuzz build)"
# shellcheck disable=SC2016  # expanded by the child shell
check "cargo +nightly fuzz build" bash -c 'cd fuzz && CARGO_TARGET_DIR="$1/fuzz" cargo +nightly fuzz build' _ "$TARGET_DIR"

for t in "${TARGETS[@]}"; do
    section "fuzz target $t"
    corpus="$TARGET_DIR/fuzz-corpus/$t"
    artifacts="$TARGET_DIR/fuzz-artifacts/$t/"
    mkdir -p "$corpus" "$artifacts"
    cp -n fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null || true
    log="$OUT/logs/$t.log"
    (cd fuzz && LSAN_OPTIONS="suppressions=$ROOT/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}" \
        CARGO_TARGET_DIR="$TARGET_DIR/fuzz" cargo +nightly fuzz run "$t" "$corpus" -- \
        -artifact_prefix="$artifacts" "${LIMIT[@]}") >"$log" 2>&1
    rc=$?
    done_line=$(grep -E '^Done [0-9]+ runs' "$log" | tail -n 1)
    if [ "$rc" -eq 0 ] && [ -n "$done_line" ]; then
        pass "$t: ${done_line#Done }, no crash ($(find "$corpus" -type f | wc -l) inputs in its corpus)"
    else
        tail -n 40 "$log"
        fail "$t: exit status $rc; the crashing input is in $artifacts"
    fi
done
finish
