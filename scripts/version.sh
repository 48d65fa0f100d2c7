#!/usr/bin/env bash
# Prints the library's version (the workspace version in Cargo.toml: `[workspace.package] version`), the one
# every script that needs it asks.
set -euo pipefail
awk -F'"' '/^\[/{p = ($0 == "[workspace.package]")} p && /^version *=/{print $2; found = 1; exit} END {exit !found}' \
    "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/Cargo.toml"
