#!/usr/bin/env bash
# Conformance test: the official Space and Time Python SDK against sxt-auth-server.
#
# Creates (or reuses) a virtualenv with the SDK, builds the server, and runs
# tests/conformance/test_sdk.py twice: over plain HTTP and over HTTPS (trusting
# the CA the server writes with --ca-out). Exits non-zero on any failure.
#
# Environment:
#   SXT_VENV   virtualenv to create or reuse   [default: target/py-venv]
#   PYTHON     interpreter that creates it     [default: python3; needs >= 3.10]
# pip honours its usual settings (PIP_INDEX_URL, PIP_FIND_LINKS, ...).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
VENV="${SXT_VENV:-$ROOT/target/py-venv}"
PYTHON="${PYTHON:-python3}"

# spaceandtime 1.1.73 calls biscuit_auth.PrivateKey.from_hex, which
# biscuit-python 0.4 removed; its own requirement (>=0.2.0) is not enough.
REQUIREMENTS=(spaceandtime==1.1.73 biscuit-python==0.3.2 PyNaCl==1.5.0 pytest)

log() { printf '[conformance] %s\n' "$*" >&2; }

# --- Python environment --------------------------------------------------------
if [ ! -x "$VENV/bin/python" ]; then
    log "creating virtualenv $VENV"
    "$PYTHON" -m venv "$VENV"
fi
if ! "$VENV/bin/python" - <<'EOF' 2>/dev/null
import importlib.metadata as m, sys
want = {"spaceandtime": "1.1.73", "biscuit-python": "0.3.2", "PyNaCl": "1.5.0"}
sys.exit(any(m.version(p) != v for p, v in want.items()) or not m.version("pytest"))
EOF
then
    log "installing ${REQUIREMENTS[*]}"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${REQUIREMENTS[@]}"
fi

# --- Server binary -------------------------------------------------------------
log "building sxt-auth-server"
cargo build --quiet -p sxt-auth-server
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps |
    "$VENV/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
SERVER="$TARGET_DIR/debug/sxt-auth-server"
[ -x "$SERVER" ] || { log "server binary not found at $SERVER"; exit 1; }

# --- Helpers -------------------------------------------------------------------
WORK="$(mktemp -d)"
SERVER_PID=""

stop_server() {
    # Stops the running server with SIGTERM and checks that it exits cleanly.
    local pid="$SERVER_PID" status=0
    [ -n "$pid" ] || return 0
    SERVER_PID=""
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" || status=$?
    if [ "$status" -ne 0 ]; then
        log "server exited with status $status after SIGTERM"
        return 1
    fi
}

cleanup() {
    stop_server || true
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_server() {
    # start_server NAME ARGS... ; sets SERVER_PID and SERVER_URL
    local name="$1"
    shift
    local out="$WORK/$name.out"
    "$SERVER" --listen 127.0.0.1:0 "$@" >"$out" 2>"$WORK/$name.log" &
    SERVER_PID=$!
    SERVER_URL=""
    for _ in $(seq 1 100); do
        SERVER_URL="$(sed -n 's/^listening on //p' "$out" | head -n 1)"
        [ -n "$SERVER_URL" ] && break
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            log "server failed to start:"
            cat "$WORK/$name.log" >&2
            SERVER_PID=""
            return 1
        fi
        sleep 0.1
    done
    [ -n "$SERVER_URL" ] || { log "server printed no listening line"; return 1; }
    log "$name: server listening on $SERVER_URL"
}

JOIN_CODE="conformance-$RANDOM$RANDOM"
CHALLENGE_TTL=3
API_USER=conf_api_user
API_KEY="conf-api-key-$$"
failed=0

run_mode() {
    # run_mode NAME CA_BUNDLE [extra server args...]; runs pytest against a fresh
    # server. CA_BUNDLE (may be empty) is the CA file requests must trust.
    local name="$1" bundle="$2"
    shift 2
    start_server "$name" --join-code "$JOIN_CODE" --challenge-ttl "$CHALLENGE_TTL" \
        --api-key "$API_USER:$API_KEY" "$@" || return 1
    local status=0
    # Run from an empty directory: the SDK reads ./.env when there is one.
    (
        cd "$WORK"
        if [ -n "$bundle" ]; then export REQUESTS_CA_BUNDLE="$bundle"; fi
        SXT_AUTH_URL="$SERVER_URL" SXT_JOIN_CODE="$JOIN_CODE" SXT_CHALLENGE_TTL="$CHALLENGE_TTL" \
            SXT_API_USER="$API_USER" SXT_API_KEY="$API_KEY" \
            "$VENV/bin/python" -m pytest -q -p no:cacheprovider "$ROOT/tests/conformance/test_sdk.py"
    ) || status=$?
    if [ "$status" -ne 0 ]; then
        log "$name: pytest failed (status $status); server log:"
        tail -n 40 "$WORK/$name.log" >&2
    fi
    stop_server || status=1
    return "$status"
}

log "== plain HTTP =="
run_mode http "" || failed=1

log "== HTTPS =="
CA="$WORK/ca.pem"
# requests (inside the SDK) trusts the generated CA through REQUESTS_CA_BUNDLE.
run_mode https "$CA" --tls --ca-out "$CA" || failed=1

if [ "$failed" -ne 0 ]; then
    log "FAILED"
    exit 1
fi
log "all conformance tests passed (HTTP and HTTPS)"
