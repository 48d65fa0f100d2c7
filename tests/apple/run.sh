#!/usr/bin/env bash
# Checks scripts/build-apple.sh where no Apple toolchain exists: shellcheck, the exact commands of --dry-run
# for every slice in order (tests/apple/dry-run.expected), and the prerequisite checks against stand-in tools
# (a missing Rust target, no xcodebuild, Xcode's Command Line Tools only, not macOS), each with its precise
# message and a non-zero exit before anything is built. Closes with `N passed, N failed[, N skipped]`.
# shellcheck disable=SC2034,SC2016  # START/RUNNER_NAME are read by the runner; single quotes are for the child shell
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
START=$(date +%s)
OUT=${CARGO_TARGET_DIR:-$ROOT/target}/apple-tests
RUNNER_NAME=tests/apple/run.sh
rm -rf "$OUT"
mkdir -p "$OUT/logs"
# shellcheck source=tests/lib/runner.sh
source "$ROOT/tests/lib/runner.sh"
SCRIPT=scripts/build-apple.sh

section "shellcheck"
if command -v shellcheck >/dev/null 2>&1; then
    check "shellcheck $SCRIPT" shellcheck "$SCRIPT"
    check "shellcheck tests/apple/run.sh" shellcheck -x tests/apple/run.sh
else
    missing "shellcheck of $SCRIPT" shellcheck
fi

section "--dry-run: every command, in order"
bash "$SCRIPT" --dry-run --out /OUT >"$OUT/dry-run.out" 2>"$OUT/dry-run.err"
check "--dry-run exits 0 on this machine" test $? -eq 0
sed "s#$ROOT#@ROOT@#g" "$OUT/dry-run.out" >"$OUT/dry-run.actual"
if diff -u tests/apple/dry-run.expected "$OUT/dry-run.actual"; then
    pass "--dry-run prints exactly tests/apple/dry-run.expected"
else
    fail "--dry-run differs from tests/apple/dry-run.expected (diff above)"
fi
for target in aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios aarch64-apple-darwin x86_64-apple-darwin; do
    check "--dry-run builds the $target slice as a staticlib" \
        grep -q -- "--target $target --crate-type staticlib" "$OUT/dry-run.out"
done
check "--dry-run ran nothing (no output directory)" test ! -e /OUT

section "prerequisite checks, against stand-in tools"
FAKE="$OUT/fake-bin"
# tools FLAGS...: lays out stand-ins: macOS, a working xcodebuild, lipo, zip, swift, cargo and a rustup that
# lists $FAKE_TARGETS. `no-X` leaves X out; `clt-only` makes xcodebuild fail as with the Command Line Tools.
tools() {
    local tool
    rm -rf "$FAKE"
    mkdir -p "$FAKE"
    printf '#!/bin/sh\necho Darwin\n' >"$FAKE/uname"
    printf '#!/bin/sh\necho "Xcode 16.2"\n' >"$FAKE/xcodebuild"
    printf '#!/bin/sh\necho "rustup fake"\n[ "$1 $2 $3" = "target list --installed" ] && printf "%%s\\n" $FAKE_TARGETS\nexit 0\n' >"$FAKE/rustup"
    for tool in lipo zip swift cargo; do printf '#!/bin/sh\nexit 0\n' >"$FAKE/$tool"; done
    for flag in "$@"; do
        case $flag in
            no-*) rm -f "$FAKE/${flag#no-}" ;;
            clt-only) printf '#!/bin/sh\necho "xcode-select: error: tool xcodebuild requires Xcode" >&2\nexit 1\n' >"$FAKE/xcodebuild" ;;
        esac
    done
    chmod +x "$FAKE"/*
}
ALL_TARGETS="aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios aarch64-apple-darwin x86_64-apple-darwin"
# expect NAME WANT_STATUS WANT_LINE ARGS...: runs the script with the stand-ins first on PATH.
expect() {
    local name=$1 want=$2 line=$3 rc
    shift 3
    env PATH="$FAKE:/usr/bin:/bin" FAKE_TARGETS="${TARGETS_NOW-$ALL_TARGETS}" bash "$SCRIPT" "$@" \
        >"$OUT/$name.out" 2>"$OUT/$name.err"
    rc=$?
    check "$name: exit status $want" test "$rc" -eq "$want"
    if [ -n "$line" ]; then
        check "$name: says \"$line\"" grep -qF -- "$line" "$OUT/$name.out" "$OUT/$name.err"
    fi
}
tools
TARGETS_NOW=$ALL_TARGETS expect all-present 0 "all prerequisites found" --check
tools
TARGETS_NOW="aarch64-apple-ios x86_64-apple-ios aarch64-apple-darwin x86_64-apple-darwin" \
    expect one-target-missing 1 "Rust target aarch64-apple-ios-sim: rustup target add aarch64-apple-ios-sim" --check
check "one-target-missing: names that target only" test "$(grep -c '^  - ' "$OUT/one-target-missing.err")" -eq 1
tools no-xcodebuild
expect no-xcodebuild 1 "xcodebuild: install Xcode from the App Store" --check
tools clt-only
expect clt-only 1 "the Command Line Tools alone are not enough" --check
tools no-uname
expect not-macos 1 "the XCFramework needs Xcode, which runs only on macOS (this is Linux)" --check
tools no-lipo
TARGETS_NOW="" expect build-stops-first 1 "lipo: not on PATH" --out "$OUT/never"
check "build-stops-first: names all five missing targets" test "$(grep -c 'Rust target ' "$OUT/build-stops-first.err")" -eq 5
check "build-stops-first: nothing was built or created" bash -c '[ ! -e "$1" ] && ! grep -q cargo "$2"' _ "$OUT/never" "$OUT/build-stops-first.out"
expect bad-flag 2 "usage: scripts/build-apple.sh" --frobnicate

finish
