#!/usr/bin/env bash
# Runs test suites by name and closes with one honest line: `suites: N passed, N failed, N skipped`.
#
#   bash tests/run-suites.sh header layout rust c cpp go swift kotlin conformance
#
# A suite's exit status says how it went: 0 passed, 77 skipped (something it needed is missing here, so part
# or all of it did not run; never under CI=true, where every suite turns a missing toolchain into a
# failure), anything else failed. Every suite named runs, even after a failure, so one run shows every
# problem. Exit status: 1 when a suite failed, else 0 (skips are reported, not hidden, and not failures).
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1

# The one table of suites: name, then the command that runs it.
suite_command() {
    case $1 in
        header) echo "cargo run -q -p sxt-auth-header -- --check && python3 scripts/check-status-table.py" ;;
        layout) echo "python3 scripts/check-layout.py" ;;
        rust) echo "cargo test --workspace --exclude sxt-auth-header" ;;
        c) echo "bash tests/c/run.sh" ;;
        cpp) echo "bash tests/cpp/run.sh" ;;
        go) echo "bash bindings/go/run-tests.sh" ;;
        swift) echo "bash bindings/swift/run-tests.sh" ;;
        kotlin) echo "bash bindings/kotlin/run-tests.sh" ;;
        apple) echo "bash tests/apple/run.sh" ;;
        fuzz) echo "FUZZ_SECONDS=\${FUZZ_SECONDS:-4} bash scripts/fuzz.sh" ;;
        conformance) echo "bash tests/conformance/run.sh" ;;
        *) return 1 ;;
    esac
}

[ $# -gt 0 ] || { echo "usage: tests/run-suites.sh SUITE..." >&2; exit 2; }
passed=() failed=() skipped=()
for suite in "$@"; do
    command=$(suite_command "$suite") || { echo "run-suites: no suite named '$suite'" >&2; exit 2; }
    printf '\n######## suite %s: %s\n' "$suite" "$command"
    started=$SECONDS
    bash -c "$command"
    rc=$?
    took=$((SECONDS - started))
    case $rc in
        0) passed+=("$suite"); printf '######## suite %s: passed (%d s)\n' "$suite" "$took" ;;
        77) skipped+=("$suite"); printf '######## suite %s: SKIPPED, not all of it ran (%d s)\n' "$suite" "$took" ;;
        *) failed+=("$suite"); printf '######## suite %s: FAILED with status %d (%d s)\n' "$suite" "$rc" "$took" ;;
    esac
done
echo
[ ${#failed[@]} -eq 0 ] || echo "failed suites: ${failed[*]}"
[ ${#skipped[@]} -eq 0 ] || echo "skipped suites: ${skipped[*]}"
echo "suites: ${#passed[@]} passed, ${#failed[@]} failed, ${#skipped[@]} skipped"
[ ${#failed[@]} -eq 0 ]
