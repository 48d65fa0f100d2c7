#!/usr/bin/env bash
# Builds SxtAuth.xcframework for Apple apps: the static library for iOS devices, the iOS simulator and macOS,
# with the C header and a module map (module CSxtAuth), zipped, with its SwiftPM checksum.
#
#   scripts/build-apple.sh [--out DIR]     build (on a Mac with Xcode and the Rust targets)
#   scripts/build-apple.sh --check         only check the prerequisites; exit 1 naming each one missing
#   scripts/build-apple.sh --dry-run       print every command it would run, in order, and run none
#
# Slices (minimum OS versions as bindings/swift/Package.swift: iOS 16, macOS 13):
#   ios-arm64                      aarch64-apple-ios
#   ios-arm64_x86_64-simulator     aarch64-apple-ios-sim + x86_64-apple-ios, merged with lipo
#   macos-arm64_x86_64             aarch64-apple-darwin + x86_64-apple-darwin, merged with lipo
# Output (DIR defaults to target/apple): SxtAuth.xcframework, SxtAuth.xcframework.zip and
# SxtAuth.xcframework.zip.checksum (for `.binaryTarget(name: "CSxtAuth", url: ..., checksum: ...)`).
# Each slice is `cargo rustc --crate-type staticlib` of the release profile (LTO applied, no dylib built).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT="$ROOT/target/apple"
MODE=build
IOS_MIN=16.0
MACOS_MIN=13.0
DEVICE=aarch64-apple-ios
SIMULATOR=(aarch64-apple-ios-sim x86_64-apple-ios)
MACOS=(aarch64-apple-darwin x86_64-apple-darwin)
TARGETS=("$DEVICE" "${SIMULATOR[@]}" "${MACOS[@]}")

usage() { echo "usage: scripts/build-apple.sh [--check | --dry-run] [--out DIR]" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case $1 in
        --check) MODE=check ;;
        --dry-run) MODE=dry-run ;;
        --out) [ $# -ge 2 ] || usage; OUT=$2; shift ;;
        -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) usage ;;
    esac
    shift
done
case $OUT in /*) ;; *) OUT="$PWD/$OUT" ;; esac

# Every prerequisite, checked before anything is built; each missing one is named with its fix.
check_prerequisites() {
    local missing=() tool installed target
    [ "$(uname -s)" = Darwin ] || missing+=("macOS: the XCFramework needs Xcode, which runs only on macOS (this is $(uname -s))")
    if ! command -v xcodebuild >/dev/null 2>&1; then
        missing+=("xcodebuild: install Xcode from the App Store, then: sudo xcode-select -s /Applications/Xcode.app")
    elif ! xcodebuild -version >/dev/null 2>&1; then
        missing+=("xcodebuild does not run: the Command Line Tools alone are not enough; install Xcode and: sudo xcode-select -s /Applications/Xcode.app")
    fi
    for tool in lipo zip swift cargo rustup; do
        command -v "$tool" >/dev/null 2>&1 || missing+=("$tool: not on PATH")
    done
    if command -v rustup >/dev/null 2>&1; then
        installed=$(rustup target list --installed 2>/dev/null || true)
        for target in "${TARGETS[@]}"; do
            grep -qx "$target" <<<"$installed" || missing+=("Rust target $target: rustup target add $target")
        done
    fi
    if [ ${#missing[@]} -gt 0 ]; then
        echo "build-apple.sh: missing prerequisites:" >&2
        printf '  - %s\n' "${missing[@]}" >&2
        return 1
    fi
    echo "build-apple.sh: all prerequisites found (Xcode, lipo, zip, swift, cargo, rustup, ${#TARGETS[@]} Rust targets)"
}

# run CMD...: prints the command; runs it unless this is a dry run.
run() {
    printf '%q ' "$@" | sed 's/ $//'
    echo
    [ "$MODE" = dry-run ] || "$@"
}

# run_in DIR CMD...: as run, in DIR.
run_in() {
    local dir=$1
    shift
    printf '(cd %q && ' "$dir"
    printf '%q ' "$@" | sed 's/ $//'
    echo ')'
    [ "$MODE" = dry-run ] || (cd "$dir" && "$@")
}

# run_to FILE CMD...: as run, with standard output into FILE.
run_to() {
    local file=$1
    shift
    printf '%q ' "$@"
    printf '> %q\n' "$file"
    [ "$MODE" = dry-run ] || "$@" >"$file"
}

build() {
    local target lib="${CARGO_TARGET_DIR:-$ROOT/target}/%s/release/libsxt_auth.a" include="$OUT/include"
    run rm -rf "$OUT"
    run mkdir -p "$OUT/ios-arm64" "$OUT/ios-simulator" "$OUT/macos" "$include"
    for target in "${TARGETS[@]}"; do
        case $target in
            *-ios | *-ios-sim) run env IPHONEOS_DEPLOYMENT_TARGET=$IOS_MIN cargo rustc --manifest-path "$ROOT/Cargo.toml" \
                --release -p sxt-auth --lib --target "$target" --crate-type staticlib ;;
            *) run env MACOSX_DEPLOYMENT_TARGET=$MACOS_MIN cargo rustc --manifest-path "$ROOT/Cargo.toml" \
                --release -p sxt-auth --lib --target "$target" --crate-type staticlib ;;
        esac
    done
    # shellcheck disable=SC2059  # the format is ours: one %s, the target
    run cp "$(printf "$lib" "$DEVICE")" "$OUT/ios-arm64/libsxt_auth.a"
    # shellcheck disable=SC2059
    run lipo -create "$(printf "$lib" "${SIMULATOR[0]}")" "$(printf "$lib" "${SIMULATOR[1]}")" \
        -output "$OUT/ios-simulator/libsxt_auth.a"
    # shellcheck disable=SC2059
    run lipo -create "$(printf "$lib" "${MACOS[0]}")" "$(printf "$lib" "${MACOS[1]}")" -output "$OUT/macos/libsxt_auth.a"
    run cp "$ROOT/include/sxt_auth.h" "$include/sxt_auth.h"
    run cp "$ROOT/bindings/swift/xcframework/module.modulemap" "$include/module.modulemap"
    run xcodebuild -create-xcframework \
        -library "$OUT/ios-arm64/libsxt_auth.a" -headers "$include" \
        -library "$OUT/ios-simulator/libsxt_auth.a" -headers "$include" \
        -library "$OUT/macos/libsxt_auth.a" -headers "$include" \
        -output "$OUT/SxtAuth.xcframework"
    run_in "$OUT" zip -qry SxtAuth.xcframework.zip SxtAuth.xcframework
    run_to "$OUT/SxtAuth.xcframework.zip.checksum" swift package compute-checksum "$OUT/SxtAuth.xcframework.zip"
    if [ "$MODE" = build ]; then
        echo "built $OUT/SxtAuth.xcframework.zip (checksum $(cat "$OUT/SxtAuth.xcframework.zip.checksum"))"
    fi
}

case $MODE in
    check) check_prerequisites ;;
    dry-run) build ;;
    build) check_prerequisites && build ;;
esac
