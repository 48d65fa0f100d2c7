#!/usr/bin/env bash
# Builds the release C libraries with the release profile's LTO really applied.
#
# The package's crate types are cdylib, staticlib and rlib (the rlib serves the Rust tests and examples), and
# Cargo silently drops LTO when one build emits an rlib alongside the C libraries. Building each C library
# type on its own with `cargo rustc --crate-type` restores it (about 18% smaller shared library).
# Output: $CARGO_TARGET_DIR/release/libsxt_auth.so and libsxt_auth.a (default target dir: ./target).
# Run it after any `cargo build --release` of the package, which would put the non-LTO build back.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
CARGO=${CARGO:-cargo}
"$CARGO" rustc --release -p sxt-auth --lib --crate-type cdylib
"$CARGO" rustc --release -p sxt-auth --lib --crate-type staticlib
