#!/usr/bin/env bash
# Builds and tests the Swift binding (bindings/swift) and the Swift examples (examples/swift/SxtAuthExamples).
#
#   bash bindings/swift/run-tests.sh
#
# 1. cargo builds the library (target/debug/libsxt_auth.so) and the local server (sxt-auth-server).
# 2. `swift build` and `swift test` in bindings/swift. The package names no paths (no unsafeFlags); the
#    library and header are passed here with -Xlinker -L / -Xcc -I, and LD_LIBRARY_PATH at run time.
# 3. The examples: `keygen`, then `register-authenticate` against fresh local servers: a new user over http
#    (registers), the same user again (signs in), a new user over https with the server's CA and a required
#    join code, plus the error paths (wrong key, usage); `whoami` through session.data(for:using:), and a
#    cancelled Task against a listener that never answers.
#
# Swift runs directly when `swift` is on PATH, else inside the cached Debian trixie root that
# scripts/swift-root.sh provisions (needs root) through scripts/swift-run.sh. SwiftPM's build directories are
# target/swift-build/{bindings,examples}.
#
# Environment: SXT_SERVER_BIN (default target/debug/sxt-auth-server), CI (when "true", a Swift toolchain
# that cannot be provisioned is a failure, not a skip), SXT_SWIFT_TEST_TIMEOUT (seconds, default 1200).
# Closes with `N passed, N failed[, N skipped]` (tests/lib/runner.sh); exit 0, 77 (skipped) or 1.
set -uo pipefail

REPO=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd -- "$REPO" || exit 1
PACKAGE=$REPO/bindings/swift
EXAMPLES=$REPO/examples/swift/SxtAuthExamples
SCRATCH=$REPO/target/swift-build
WORK=$SCRATCH/run
LIBDIR=$REPO/target/debug
TIMEOUT=${SXT_SWIFT_TEST_TIMEOUT:-1200}

START=$(date +%s)
ROOT=$REPO
OUT=$SCRATCH
RUNNER_NAME=bindings/swift/run-tests.sh
mkdir -p "$OUT/logs"
# shellcheck source=../../tests/lib/runner.sh
source "$REPO/tests/lib/runner.sh"

# --- 0. Is there a Swift toolchain (or can one be provisioned)? -----------------------------------------
if command -v swift >/dev/null 2>&1; then
  section "using swift from PATH: $(swift --version 2>&1 | head -n 1)"
else
  section "swift is not on PATH: provisioning the cached Debian trixie root (scripts/swift-root.sh)"
  started=$SECONDS
  if [[ $(id -u) -eq 0 ]] && root=$("$REPO/scripts/swift-root.sh" | tail -n 1) && [[ -n $root ]]; then
    section "Swift root ready after $((SECONDS - started)) s: $root ($(head -n 1 "$root/.sxt-ready" 2>/dev/null))"
  else
    if [[ ${CI:-} == true ]]; then
      fail "Swift toolchain: not on PATH and could not be provisioned (CI=true: this is a failure)"
      finish
    fi
    skip "the Swift binding: no toolchain (not on PATH; provisioning needs root and Debian's mirror)"
    finish
  fi
fi

# Runs CMD inside the Swift environment in DIR, with the library on the loader path.
swift_in() {
  local dir=$1
  shift
  env LD_LIBRARY_PATH="$LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
    DYLD_LIBRARY_PATH="$LIBDIR${DYLD_LIBRARY_PATH:+:$DYLD_LIBRARY_PATH}" \
    SXT_SWIFT_PASS_ENV="LD_LIBRARY_PATH DYLD_LIBRARY_PATH PKG_CONFIG_PATH ${SXT_SWIFT_PASS_ENV:-}" \
    "$REPO/scripts/swift-run.sh" "$dir" -- "$@"
}

SWIFT_FLAGS=(-Xlinker "-L$LIBDIR" -Xcc "-I$REPO/include")

# The package's C module asks pkg-config for `sxt-auth` (what scripts/install.sh installs). For this
# in-tree build, describe target/debug and include/ the same way; the flags above say the same thing.
mkdir -p "$SCRATCH/pkgconfig"
cat >"$SCRATCH/pkgconfig/sxt-auth.pc" <<EOF
Name: sxt-auth
Description: Space and Time (SxT) authentication client with a C ABI (in-tree build)
Version: 0.0.0
Libs: -L$LIBDIR -lsxt_auth
Cflags: -I$REPO/include
EOF
export PKG_CONFIG_PATH="$SCRATCH/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"

# --- 1. The library and the server -------------------------------------------------------------------
section "cargo build --lib && cargo build -p sxt-auth-server"
if cargo build --lib && cargo build -p sxt-auth-server; then
  pass "cargo build (library and server)"
else
  fail "cargo build (library and server)"
  finish
fi

SXT_SERVER_BIN=${SXT_SERVER_BIN:-target/debug/sxt-auth-server}
[[ $SXT_SERVER_BIN == /* ]] || SXT_SERVER_BIN=$REPO/$SXT_SERVER_BIN
export SXT_SERVER_BIN
if [[ ! -x $SXT_SERVER_BIN ]]; then
  fail "server binary $SXT_SERVER_BIN is missing"
  finish
fi

# --- 2. The binding: swift build, swift test ---------------------------------------------------------
mkdir -p "$SCRATCH"
section "Package.swift: the system library by default, the XCFramework when one is named"
# dump_target ENV...: the manifest's CSxtAuth target as SwiftPM reads it, with ENV set (NAME=VALUE words).
dump_target() {
  local names=() kv
  for kv in "$@"; do names+=("${kv%%=*}"); done
  env "$@" SXT_SWIFT_PASS_ENV="${names[*]} ${SXT_SWIFT_PASS_ENV:-}" \
    "$REPO/scripts/swift-run.sh" "$PACKAGE" -- swift package dump-package 2>"$SCRATCH/dump.err" |
    python3 -c 'import json, sys
t = [t for t in json.load(sys.stdin)["targets"] if t["name"] == "CSxtAuth"][0]
print(t["type"], t.get("path") or "", t.get("url") or "", t.get("checksum") or "")'
}
mkdir -p "$SCRATCH"
check "default: CSxtAuth is the system library (pkg-config sxt-auth)" \
  test "$(dump_target SXT_NOTHING=1)" = "system Sources/CSxtAuth  "
check "SXT_AUTH_XCFRAMEWORK: CSxtAuth is a binary target at that path" \
  test "$(dump_target SXT_AUTH_XCFRAMEWORK=build/SxtAuth.xcframework)" = "binary build/SxtAuth.xcframework  "
check "SXT_AUTH_XCFRAMEWORK_URL + _CHECKSUM: a remote binary target" \
  test "$(dump_target SXT_AUTH_XCFRAMEWORK_URL=https://example.invalid/SxtAuth.xcframework.zip \
    SXT_AUTH_XCFRAMEWORK_CHECKSUM=0123abcd)" = "binary  https://example.invalid/SxtAuth.xcframework.zip 0123abcd"

section "swift build (bindings/swift)"
if swift_in "$PACKAGE" swift build --scratch-path "$SCRATCH/bindings" "${SWIFT_FLAGS[@]}"; then
  pass "swift build (bindings/swift)"
  section "swift test (bindings/swift), timeout ${TIMEOUT}s"
  TEST_LOG=$SCRATCH/swift-test.log
  timeout -k 30 "$TIMEOUT" env LD_LIBRARY_PATH="$LIBDIR" DYLD_LIBRARY_PATH="$LIBDIR" \
    SXT_SWIFT_PASS_ENV="LD_LIBRARY_PATH DYLD_LIBRARY_PATH PKG_CONFIG_PATH ${SXT_SWIFT_PASS_ENV:-}" \
    "$REPO/scripts/swift-run.sh" "$PACKAGE" -- \
    swift test --scratch-path "$SCRATCH/bindings" "${SWIFT_FLAGS[@]}" --disable-swift-testing 2>&1 |
    tee "$TEST_LOG"
  rc=${PIPESTATUS[0]}
  printf '\n--- swift test summary ---\n'
  grep -E "^Test Suite '(All tests|[A-Za-z]+Tests)' (passed|failed)|Executed [0-9]+ tests|error: |failed \(" "$TEST_LOG" |
    grep -v "^Test Case .* passed" || true
  if ((rc == 0)) && grep -qE "Test Suite 'All tests' passed" "$TEST_LOG"; then
    pass "swift test (bindings/swift): $(grep -oE 'Executed [0-9]+ tests?, with [0-9]+ failures?' "$TEST_LOG" | tail -n 1)"
  elif ((rc == 124 || rc == 137)); then
    fail "swift test (bindings/swift): timed out after ${TIMEOUT}s"
  else
    fail "swift test (bindings/swift): exit status $rc"
  fi
else
  fail "swift build (bindings/swift)"
  skip "swift test (bindings/swift): the package did not build"
fi

# --- 3. The examples ---------------------------------------------------------------------------------
# Runs register-authenticate in DIR with ARGS; output in $DIR/out and $DIR/err, status in RA_STATUS.
run_example() {
  local dir=$1
  shift
  swift_in "$dir" "$BIN/register-authenticate" "$@" >"$dir/out" 2>"$dir/err"
  RA_STATUS=$?
  # The token is the example's output, but it stays out of the test log.
  sed -E 's/^(Access token: ).+/\1<redacted>/; s/^/    out| /' "$dir/out"
  sed 's/^/    err| /' "$dir/err"
}

# expect_line FILE REGEX DESCRIPTION
expect_line() {
  if grep -qE -- "$2" "$1"; then return 0; fi
  echo "    missing in $(basename "$1"): $3 (/$2/)" >&2
  return 1
}

# The examples read these from the environment before their .env file: only this script sets them.
unset API_URL USER_PRIVATE_KEY USER_PUBLIC_KEY ORG_CODE JOINCODE USERID SXT_CA_CERT SXT_ALLOW_HTTP
rm -rf "$WORK"
mkdir -p "$WORK"
section "swift build (examples/swift/SxtAuthExamples)"
if swift_in "$EXAMPLES" swift build --scratch-path "$SCRATCH/examples" "${SWIFT_FLAGS[@]}" &&
  BIN=$(swift_in "$EXAMPLES" swift build --scratch-path "$SCRATCH/examples" "${SWIFT_FLAGS[@]}" --show-bin-path | tail -n 1) &&
  [[ -x $BIN/keygen && -x $BIN/register-authenticate && -x $BIN/whoami ]]; then
  pass "swift build (examples/swift/SxtAuthExamples)"

  # keygen: two well-formed, different key pairs.
  section "example: keygen"
  ok=1
  swift_in "$WORK" "$BIN/keygen" >"$WORK/keygen1" 2>&1 || ok=0
  swift_in "$WORK" "$BIN/keygen" >"$WORK/keygen2" 2>&1 || ok=0
  key_re='^[A-Za-z0-9+/]{43}=$'
  PRIV=$(sed -n 's/^Private Key (Base64): //p' "$WORK/keygen1")
  PUB=$(sed -n 's/^Public Key (Base64): //p' "$WORK/keygen1")
  [[ $(wc -l <"$WORK/keygen1") -eq 2 && $PRIV =~ $key_re && $PUB =~ $key_re ]] || ok=0
  [[ $PRIV != "$(sed -n 's/^Private Key (Base64): //p' "$WORK/keygen2")" ]] || ok=0
  sed -E 's/^(Private Key \(Base64\): ).*/\1<redacted>/' "$WORK/keygen1" | sed 's/^/    out| /'
  if ((ok)); then pass "example keygen"; else fail "example keygen"; fi

  # register-authenticate over http: a new user, then the same user again. Settings from .env, except
  # SXT_ALLOW_HTTP, which comes from the environment (the environment wins over the file).
  section "example: register-authenticate over http (new user, then existing user)"
  ok=1
  if start_server "$WORK/server-http.out"; then
    USER_ID="swift-example-$RANDOM$RANDOM"
    mkdir -p "$WORK/http"
    cat >"$WORK/http/.env" <<EOF
# settings for the example run
export API_URL="$SERVER_URL/v1/"
USER_PRIVATE_KEY='$PRIV'   # a comment after a quoted value
USER_PUBLIC_KEY=$PUB
SXT_ALLOW_HTTP=0
EOF
    HTTP_URL=$SERVER_URL HTTP_USER=$USER_ID
    SXT_ALLOW_HTTP=1 run_example "$WORK/http" "$USER_ID"
    ((RA_STATUS == 0)) || { echo "    exit status $RA_STATUS" >&2; ok=0; }
    expect_line "$WORK/http/out" "^Checking id: $USER_ID with URL: $SERVER_URL/v1/auth/idexists/$USER_ID\$" "checking line" || ok=0
    expect_line "$WORK/http/out" "^UserID doesn't exist!\$" "not-exists line" || ok=0
    expect_line "$WORK/http/out" "^Lets create your user ID!\$" "create line" || ok=0
    expect_line "$WORK/http/out" "^Authentication to the SxT API has been completed successfully!\$" "success line" || ok=0
    expect_line "$WORK/http/out" "^Access token: .+" "token line" || ok=0
    first_token=$(sed -n 's/^Access token: //p' "$WORK/http/out")

    SXT_ALLOW_HTTP=1 run_example "$WORK/http" "$USER_ID"
    ((RA_STATUS == 0)) || { echo "    exit status $RA_STATUS" >&2; ok=0; }
    expect_line "$WORK/http/out" "^UserID exists!\$" "exists line" || ok=0
    expect_line "$WORK/http/out" "^Time to authenticate!\$" "authenticate line" || ok=0
    expect_line "$WORK/http/out" "^Access token: .+" "token line" || ok=0
    [[ $(sed -n 's/^Access token: //p' "$WORK/http/out") != "$first_token" ]] || { echo "    same token twice" >&2; ok=0; }

    # Without the environment's SXT_ALLOW_HTTP=1, the file's 0 applies and plain http is refused.
    run_example "$WORK/http" "$USER_ID"
    ((RA_STATUS == 1)) || { echo "    expected exit status 1, got $RA_STATUS" >&2; ok=0; }
    expect_line "$WORK/http/err" "^Error: creating the client for API_URL failed: .*\(SXT_STATUS_INSECURE_URL\)\$" "insecure-url error" || ok=0

    # The wrong key for an existing user: exit 1, the server's refusal on stderr, no secret anywhere.
    mkdir -p "$WORK/wrong"
    WRONG=$(sed -n 's/^Private Key (Base64): //p' "$WORK/keygen2")
    printf 'API_URL=%s\nUSER_PRIVATE_KEY=%s\nUSERID=%s\n' "$SERVER_URL" "$WRONG" "$USER_ID" >"$WORK/wrong/.env"
    SXT_ALLOW_HTTP=1 run_example "$WORK/wrong"
    ((RA_STATUS == 1)) || { echo "    expected exit status 1, got $RA_STATUS" >&2; ok=0; }
    expect_line "$WORK/wrong/out" "^UserID exists!\$" "exists line (user id from USERID)" || ok=0
    expect_line "$WORK/wrong/err" "^Error: authenticating failed: .*\(SXT_STATUS_BAD_REQUEST\)\$" "refusal" || ok=0
    expect_line "$WORK/wrong/err" "^  HTTP status: 400\$" "HTTP status" || ok=0
    if grep -qF -- "$WRONG" "$WORK/wrong/out" "$WORK/wrong/err"; then echo "    the private key was printed" >&2; ok=0; fi
    if grep -q "^Access token" "$WORK/wrong/out"; then echo "    printed a token after a failure" >&2; ok=0; fi

    # Usage: no user id anywhere.
    mkdir -p "$WORK/usage"
    printf 'API_URL=%s\n' "$SERVER_URL" >"$WORK/usage/.env"
    run_example "$WORK/usage"
    ((RA_STATUS == 2)) || { echo "    expected exit status 2, got $RA_STATUS" >&2; ok=0; }
    expect_line "$WORK/usage/err" "^Please supply your existing or desired user_id!\$" "usage message" || ok=0
  else
    ok=0
  fi
  if ((ok)); then pass "example register-authenticate (http)"; else fail "example register-authenticate (http)"; fi

  # register-authenticate over https with the server's CA and a required join code (ORG_CODE).
  section "example: register-authenticate over https (SXT_CA_CERT, ORG_CODE required)"
  ok=1
  mkdir -p "$WORK/tls"
  if start_server "$WORK/server-tls.out" --tls --ca-out "$WORK/tls/ca.pem" --require-join-code --join-code SWIFT-ORG; then
    USER_ID="swift-example-tls-$RANDOM$RANDOM"
    printf 'API_URL=%s\nUSER_PRIVATE_KEY=%s\nORG_CODE=SWIFT-ORG\nSXT_CA_CERT=%s\n' \
      "$SERVER_URL" "$PRIV" "$WORK/tls/ca.pem" >"$WORK/tls/.env"
    run_example "$WORK/tls" "$USER_ID"
    ((RA_STATUS == 0)) || { echo "    exit status $RA_STATUS" >&2; ok=0; }
    expect_line "$WORK/tls/out" "^Checking id: $USER_ID with URL: https://" "checking line" || ok=0
    expect_line "$WORK/tls/out" "^Lets create your user ID!\$" "create line" || ok=0
    expect_line "$WORK/tls/out" "^Access token: .+" "token line" || ok=0
  else
    ok=0
  fi
  if ((ok)); then pass "example register-authenticate (https, join code)"; else fail "example register-authenticate (https, join code)"; fi

  # whoami: auth/validtoken through session.data(for:using:); a cancelled Task stops a sign-in in flight.
  section "example: whoami (data(for:using:), Task cancellation)"
  who() {
    local name=$1
    shift
    (
      unset SXT_TIMEOUT_MS SXT_CA_CERT
      export API_URL="$HTTP_URL" USER_PRIVATE_KEY="$PRIV" SXT_ALLOW_HTTP=1
      for kv in "$@"; do export "${kv?}"; done
      SXT_SWIFT_PASS_ENV="API_URL USER_PRIVATE_KEY SXT_ALLOW_HTTP SXT_TIMEOUT_MS" swift_in "$WORK" "$BIN/whoami" "$HTTP_USER"
    ) >"$WORK/$name.out" 2>"$WORK/$name.err"
    echo $? >"$WORK/$name.rc"
    sed 's/^/    err| /' "$WORK/$name.err"
  }
  if [[ -x $BIN/whoami && -n ${HTTP_URL:-} ]]; then
    who who-ok
    check "whoami: auth/validtoken through data(for:using:), as the user" \
      bash -c '[ "$(cat "$1.rc")" = 0 ] && [ "$(wc -l <"$1.out")" = 2 ] && grep -qx "Signed in as: $2" "$1.out" &&
               grep -qE "^Subscription: .+" "$1.out"' _ "$WORK/who-ok" "$HTTP_USER"
    who who-wrong USER_PRIVATE_KEY="$(sed -n 's/^Private Key (Base64): //p' "$WORK/keygen2")"
    check "whoami with another key: exit 1, the server's refusal, nothing on stdout" \
      bash -c '[ "$(cat "$1.rc")" = 1 ] && [ ! -s "$1.out" ] &&
               grep -q "^Error: signing in failed: .*(SXT_STATUS_BAD_REQUEST)$" "$1.err"' _ "$WORK/who-wrong"
    if start_staller "$WORK/stall.port"; then
      began=$SECONDS
      who who-deadline API_URL="$STALL_URL" SXT_TIMEOUT_MS=500
      took=$((SECONDS - began))
      # A generous bound that only catches a hang (the client's own read timeout is 15 s).
      check "whoami: the cancelled Task stops a sign-in the server never answers (${took} s)" \
        bash -c '[ "$(cat "$1.rc")" = 1 ] && [ "$2" -lt 12 ] &&
                 grep -qx "Error: signing in failed: no answer within SXT_TIMEOUT_MS (cancelled)" "$1.err"' \
        _ "$WORK/who-deadline" "$took"
    else
      fail "start the stalling listener"
    fi
  else
    fail "example whoami: not built, or no http server"
  fi
else
  fail "swift build (examples/swift/SxtAuthExamples)"
  skip "examples: not built"
fi

finish
