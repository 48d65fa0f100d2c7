#!/usr/bin/env bash
# Runs everything for the Go binding (bindings/go) and the Go examples (examples/go):
#   builds the library and the local server, gofmt, go vet, the test suite under -race, the same suite under
#   GOGC=1 GODEBUG=cgocheck=1, the examples against a fresh local server (plain http with a required join
#   code, then https with its CA; whoami through Session.RoundTripper, its deadline and Ctrl-C against a
#   listener that never answers), a self-contained build with -tags sxt_static (checked with ldd), and the
#   pkg-config build path with -tags sxt_pkgconfig.
# Closes with `N passed, N failed[, N skipped]` (tests/lib/runner.sh); exit 0, 77 (something skipped) or 1.
# Environment: CI=true makes a missing toolchain a failure instead of a skip; SXT_SERVER_BIN names the server
# binary (default <target>/debug/sxt-auth-server); CARGO_TARGET_DIR is honoured.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
export PATH="$PATH:/usr/local/go/bin"
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
case "$TARGET" in /*) ;; *) TARGET="$ROOT/$TARGET" ;; esac
LIBDIR="$TARGET/debug"
SERVER_BIN=${SXT_SERVER_BIN:-$LIBDIR/sxt-auth-server}
case "$SERVER_BIN" in /*) ;; *) SERVER_BIN="$ROOT/$SERVER_BIN" ;; esac
export SXT_SERVER_BIN="$SERVER_BIN"

START=$(date +%s)
OUT="$TARGET/go-tests"
RUNNER_NAME=bindings/go/run-tests.sh
mkdir -p "$OUT/logs"
# shellcheck source=../../tests/lib/runner.sh
source "$ROOT/tests/lib/runner.sh"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sxt-go-tests.XXXXXX")
CLEANUP_DIRS+=("$WORK")

if ! command -v go >/dev/null 2>&1; then
  missing "Go binding" "go"
  finish
fi
if ! command -v cargo >/dev/null 2>&1; then
  missing "Go binding" "cargo"
  finish
fi
echo "go: $(go version)"

# The cgo directives point at ../../target/debug; another target directory is passed through the
# environment (the static build uses a pkg-config file there, see below).
if [ "$TARGET" != "$ROOT/target" ]; then
  export CGO_CFLAGS="-I$ROOT/include ${CGO_CFLAGS:-}"
  export CGO_LDFLAGS="-L$LIBDIR -Wl,-rpath,$LIBDIR ${CGO_LDFLAGS:-}"
fi

section "build the library and the local server"
if cargo build --lib && cargo build -p sxt-auth-server; then
  pass "cargo build (library and server)"
else
  fail "cargo build (library and server)"
  finish
fi
if [ ! -x "$SXT_SERVER_BIN" ]; then
  fail "server binary $SXT_SERVER_BIN is missing"
  finish
fi

section "gofmt and go vet"
unformatted=$(gofmt -l bindings/go examples/go)
if [ -z "$unformatted" ]; then pass "gofmt"; else echo "$unformatted"; fail "gofmt (files above need gofmt -w)"; fi
if (cd bindings/go && go vet ./...) && (cd examples/go && go vet ./...); then
  pass "go vet (binding and examples)"
else
  fail "go vet (binding and examples)"
fi
# Every build-tag variant type-checks and compiles its cgo directives (the release variants are not linked:
# that would need a release build).
if (cd bindings/go && for tags in sxt_release sxt_static "sxt_static sxt_release" sxt_pkgconfig "sxt_pkgconfig sxt_static"; do
      echo "go vet -tags '$tags'"
      if [[ "$tags" == sxt_pkgconfig* ]]; then
        command -v pkg-config >/dev/null 2>&1 || { echo "(no pkg-config: reported below)"; continue; }
        mkdir -p "$WORK/pc-vet"
        for pc in sxt-auth sxt-auth-static; do
          printf 'Name: %s\nDescription: vet\nVersion: 0\nCflags: -I%s\nLibs: -lsxt_auth\n' "$pc" "$ROOT/include" >"$WORK/pc-vet/$pc.pc"
        done
        PKG_CONFIG_PATH="$WORK/pc-vet" go vet -tags "$tags" ./... || exit 1
      else
        go vet -tags "$tags" ./... || exit 1
      fi
    done); then
  pass "go vet with each build tag (sxt_release, sxt_static, sxt_pkgconfig)"
else
  fail "go vet with each build tag (sxt_release, sxt_static, sxt_pkgconfig)"
fi

section "go test -race (binding)"
if (cd bindings/go && go test -race -count=1 -v -timeout 300s ./...); then
  pass "go test -race ./... (bindings/go)"
else
  fail "go test -race ./... (bindings/go)"
fi

section "go test under GOGC=1 GODEBUG=cgocheck=1 (binding)"
if (cd bindings/go && GOGC=1 GODEBUG=cgocheck=1 go test -count=1 -timeout 300s ./...); then
  pass "GOGC=1 GODEBUG=cgocheck=1 go test ./... (bindings/go)"
else
  fail "GOGC=1 GODEBUG=cgocheck=1 go test ./... (bindings/go)"
fi

section "go test (examples)"
if (cd examples/go && go test -count=1 ./...); then
  pass "go test ./... (examples/go)"
else
  fail "go test ./... (examples/go)"
fi

# ---- the examples against a fresh local server ------------------------------------------------------------

# Runs of the examples start from an environment without their settings, so only .env and what a run
# sets explicitly count.
CLEAN=(env -u API_URL -u USER_PRIVATE_KEY -u USER_PUBLIC_KEY -u ORG_CODE -u JOINCODE -u USERID -u SXT_CA_CERT
       -u SXT_ALLOW_HTTP)

# expect_run NAME WANT_STATUS DIR CMD...: runs CMD in DIR, keeps its output in $WORK/NAME.{out,err}.
expect_run() {
  local name=$1 want=$2 dir=$3 status
  shift 3
  (cd "$dir" && "$@") >"$WORK/$name.out" 2>"$WORK/$name.err"
  status=$?
  if [ "$status" -ne "$want" ]; then
    echo "$name: exit status $status, want $want" >&2
    echo "stdout:" >&2; sed 's/^Access token: .*/Access token: <redacted>/' "$WORK/$name.out" >&2
    echo "stderr:" >&2; cat "$WORK/$name.err" >&2
    return 1
  fi
}

# has NAME STREAM REGEX: the output STREAM (out or err) of run NAME has a line matching REGEX.
has() {
  grep -Eq -- "$3" "$WORK/$1.$2" || {
    echo "$1: no line matching /$3/ in its std$2:" >&2
    sed 's/^Access token: .*/Access token: <redacted>/' "$WORK/$1.$2" >&2
    return 1
  }
}

section "Go examples against a local server"
BIN="$WORK/bin"
mkdir -p "$BIN" "$WORK/run-http" "$WORK/run-tls"
if ! (cd examples/go && go build -o "$BIN/" ./keygen ./register_authenticate ./whoami); then
  fail "go build (examples)"
  finish
fi
pass "go build (examples)"

if start_server "$WORK/server-http.out" --join-code ORG-GO-EXAMPLE --require-join-code && URL_http=$SERVER_URL &&
   start_server "$WORK/server-tls.out" --tls --ca-out "$WORK/ca.pem" && URL_tls=$SERVER_URL; then
  :
else
  fail "start the local servers"
  finish
fi

# keygen: two lines, 44-character base64 keys.
if expect_run keygen 0 "$WORK" "$BIN/keygen" &&
   [ "$(wc -l <"$WORK/keygen.out")" -eq 2 ] &&
   has keygen out '^Private Key \(Base64\): [A-Za-z0-9+/]{43}=$' &&
   has keygen out '^Public Key \(Base64\): [A-Za-z0-9+/]{43}=$'; then
  pass "keygen prints a key pair"
else
  fail "keygen prints a key pair"
fi
PRIV=$(sed -n 's/^Private Key (Base64): //p' "$WORK/keygen.out")
PUB=$(sed -n 's/^Public Key (Base64): //p' "$WORK/keygen.out")
USER_ID="go_example_$$_$(date +%s)"

# A .env with every syntax the reader accepts; the keys come from keygen (USER_PUBLIC_KEY must match).
cat >"$WORK/run-http/.env" <<EOF
# written by bindings/go/run-tests.sh
export API_URL="$URL_http/v1/"
USER_PRIVATE_KEY='$PRIV'
USER_PUBLIC_KEY = $PUB   # the matching public key
ORG_CODE=ORG-GO-EXAMPLE
SXT_ALLOW_HTTP=1
EOF

if expect_run reg1 0 "$WORK/run-http" "${CLEAN[@]}" "$BIN/register_authenticate" "$USER_ID" &&
   has reg1 out "^Checking id: $USER_ID with URL: $URL_http/v1/auth/idexists/$USER_ID\$" &&
   has reg1 out "^UserID doesn't exist!\$" &&
   has reg1 out '^Lets create your user ID!$' &&
   has reg1 out '^Authentication to the SxT API has been completed successfully!$' &&
   has reg1 out '^Access token: .+$' &&
   ! grep -qF -- "$PRIV" "$WORK/reg1.out" "$WORK/reg1.err"; then
  pass "register_authenticate, new user: registers with ORG_CODE and prints the token"
else
  fail "register_authenticate, new user: registers with ORG_CODE and prints the token"
fi

if expect_run reg2 0 "$WORK/run-http" "${CLEAN[@]}" "$BIN/register_authenticate" "$USER_ID" &&
   has reg2 out '^UserID exists!$' &&
   has reg2 out '^Time to authenticate!$' &&
   has reg2 out '^Authentication to the SxT API has been completed successfully!$' &&
   has reg2 out '^Access token: .+$'; then
  pass "register_authenticate, existing user: authenticates"
else
  fail "register_authenticate, existing user: authenticates"
fi

# The real environment overrides .env: another key for the same user is refused by the server.
OTHER=$(cd "$WORK" && "$BIN/keygen" | sed -n 's/^Private Key (Base64): //p')
if expect_run reg-wrongkey 1 "$WORK/run-http" "${CLEAN[@]}" USER_PRIVATE_KEY="$OTHER" USER_PUBLIC_KEY= \
     "$BIN/register_authenticate" "$USER_ID" &&
   has reg-wrongkey out '^UserID exists!$' &&
   has reg-wrongkey err '^Error: authenticating failed: .*\(SXT_STATUS_BAD_REQUEST\)$' &&
   has reg-wrongkey err '^  HTTP status: 400$' &&
   ! grep -q "Access token" "$WORK/reg-wrongkey.out"; then
  pass "register_authenticate, wrong key from the environment: refused, exit 1"
else
  fail "register_authenticate, wrong key from the environment: refused, exit 1"
fi

# A new user without the join code this server requires.
if expect_run reg-nocode 1 "$WORK/run-http" "${CLEAN[@]}" ORG_CODE= "$BIN/register_authenticate" "${USER_ID}_nocode" &&
   has reg-nocode out "^UserID doesn't exist!\$" &&
   has reg-nocode err '^Error: registering the user id failed: .*\(SXT_STATUS_NOT_FOUND\)$'; then
  pass "register_authenticate, required join code missing: refused, exit 1"
else
  fail "register_authenticate, required join code missing: refused, exit 1"
fi

# Usage and configuration errors.
if expect_run usage 2 "$WORK" "${CLEAN[@]}" "$BIN/register_authenticate" &&
   has usage err '^Please supply your existing or desired user_id!$' &&
   expect_run nourl 1 "$WORK" "${CLEAN[@]}" "$BIN/register_authenticate" someone &&
   has nourl err 'API_URL' &&
   expect_run mismatch 1 "$WORK/run-http" "${CLEAN[@]}" USER_PUBLIC_KEY="$(cd "$WORK" && "$BIN/keygen" | sed -n 's/^Public Key (Base64): //p')" \
     "$BIN/register_authenticate" "$USER_ID" &&
   has mismatch err '^Error: USER_PUBLIC_KEY does not match' &&
   expect_run nohttp 1 "$WORK/run-http" "${CLEAN[@]}" SXT_ALLOW_HTTP=0 "$BIN/register_authenticate" "$USER_ID" &&
   has nohttp err 'SXT_STATUS_INSECURE_URL'; then
  pass "register_authenticate: usage, missing API_URL, key mismatch, http not allowed"
else
  fail "register_authenticate: usage, missing API_URL, key mismatch, http not allowed"
fi

# https with the server's CA (SXT_CA_CERT), the user id from USERID, no join code.
cat >"$WORK/run-tls/.env" <<EOF
API_URL=$URL_tls
USER_PRIVATE_KEY=$PRIV
SXT_CA_CERT=$WORK/ca.pem
USERID=${USER_ID}_tls
EOF
if expect_run tls1 0 "$WORK/run-tls" "${CLEAN[@]}" "$BIN/register_authenticate" &&
   has tls1 out "^Checking id: ${USER_ID}_tls with URL: $URL_tls/v1/auth/idexists/${USER_ID}_tls\$" &&
   has tls1 out "^UserID doesn't exist!\$" && has tls1 out '^Access token: .+$' &&
   expect_run tls2 0 "$WORK/run-tls" "${CLEAN[@]}" "$BIN/register_authenticate" &&
   has tls2 out '^UserID exists!$' &&
   expect_run tls-noca 1 "$WORK/run-tls" "${CLEAN[@]}" SXT_CA_CERT= "$BIN/register_authenticate" &&
   has tls-noca err '^We did not connect with the SxT API successfully!$' &&
   has tls-noca err 'SXT_STATUS_TLS'; then
  pass "register_authenticate over https: with SXT_CA_CERT, and refused without it"
else
  fail "register_authenticate over https: with SXT_CA_CERT, and refused without it"
fi

# whoami: the session's RoundTripper carries the token to an authenticated endpoint; the context stops it.
WHO=("${CLEAN[@]}" -u SXT_TIMEOUT_MS API_URL="$URL_http" USER_PRIVATE_KEY="$PRIV" SXT_ALLOW_HTTP=1)
if expect_run who1 0 "$WORK" "${WHO[@]}" "$BIN/whoami" "$USER_ID" &&
   [ "$(wc -l <"$WORK/who1.out")" -eq 2 ] &&
   has who1 out "^Signed in as: $USER_ID\$" && has who1 out '^Subscription: .+$' &&
   expect_run who-tls 0 "$WORK" "${CLEAN[@]}" API_URL="$URL_tls" USER_PRIVATE_KEY="$PRIV" SXT_CA_CERT="$WORK/ca.pem" \
     "$BIN/whoami" "${USER_ID}_tls" &&
   has who-tls out "^Signed in as: ${USER_ID}_tls\$"; then
  pass "whoami: auth/validtoken through Session.RoundTripper, over http and https"
else
  fail "whoami: auth/validtoken through Session.RoundTripper, over http and https"
fi
if expect_run who-wrongkey 1 "$WORK" "${WHO[@]}" USER_PRIVATE_KEY="$OTHER" "$BIN/whoami" "$USER_ID" &&
   has who-wrongkey err '^Error: signing in failed: .*\(SXT_STATUS_BAD_REQUEST\)$' && [ ! -s "$WORK/who-wrongkey.out" ] &&
   expect_run who-usage 2 "$WORK" "${WHO[@]}" "$BIN/whoami"; then
  pass "whoami: wrong key refused (exit 1), usage (exit 2)"
else
  fail "whoami: wrong key refused (exit 1), usage (exit 2)"
fi
# Against a listener that never answers: the deadline (SXT_TIMEOUT_MS), then Ctrl-C, end the sign-in.
if start_staller "$WORK/stall.port"; then
  if expect_run who-deadline 1 "$WORK" "${WHO[@]}" API_URL="$STALL_URL" SXT_TIMEOUT_MS=300 "$BIN/whoami" "$USER_ID" &&
     has who-deadline err '^Error: signing in failed: .*\(SXT_STATUS_TIMEOUT\)$'; then
    pass "whoami: SXT_TIMEOUT_MS ends a sign-in the server never answers (SXT_STATUS_TIMEOUT)"
  else
    fail "whoami: SXT_TIMEOUT_MS ends a sign-in the server never answers (SXT_STATUS_TIMEOUT)"
  fi
  (cd "$WORK" && exec env "${WHO[@]}" API_URL="$STALL_URL" "$BIN/whoami" "$USER_ID") \
    >"$WORK/who-int.out" 2>"$WORK/who-int.err" &
  who_pid=$!
  sleep 1
  kill -INT "$who_pid"
  # A generous bound that only catches a hang: the client's own timeouts are 10-30 s.
  for _ in $(seq 1 80); do kill -0 "$who_pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$who_pid" 2>/dev/null; then
    kill -KILL "$who_pid"; wait "$who_pid" 2>/dev/null
    fail "whoami: Ctrl-C cancels the sign-in in flight (still running 8 s later)"
  else
    wait "$who_pid"; rc=$?
    if [ "$rc" -eq 1 ] && has who-int err '^Error: signing in failed: .*\(SXT_STATUS_CANCELLED\)$'; then
      pass "whoami: Ctrl-C cancels the sign-in in flight (SXT_STATUS_CANCELLED)"
    else
      fail "whoami: Ctrl-C cancels the sign-in in flight (exit $rc)"; cat "$WORK/who-int.err"
    fi
  fi
else
  fail "start the stalling listener"
fi

# Same output as the C example, line for line (tokens aside), when it is there and a C compiler is.
if [ -f examples/c/register_authenticate.c ] && command -v cc >/dev/null 2>&1; then
  if cc -std=c99 -Iinclude examples/c/register_authenticate.c -L"$LIBDIR" -Wl,-rpath,"$LIBDIR" -lsxt_auth \
       -o "$WORK/c_register_authenticate" 2>"$WORK/cc.err"; then
    C_USER="${USER_ID}_cmp"
    ok=1
    for round in 1 2; do
      expect_run "c$round" 0 "$WORK/run-http" "${CLEAN[@]}" "$WORK/c_register_authenticate" "${C_USER}_c" || ok=0
      expect_run "go$round" 0 "$WORK/run-http" "${CLEAN[@]}" "$BIN/register_authenticate" "${C_USER}_go" || ok=0
      sed -e 's/^Access token: .*/Access token: T/' -e "s/${C_USER}_c/USER/g" "$WORK/c$round.out" >"$WORK/c$round.norm"
      sed -e 's/^Access token: .*/Access token: T/' -e "s/${C_USER}_go/USER/g" "$WORK/go$round.out" >"$WORK/go$round.norm"
      [ -s "$WORK/c$round.norm" ] || ok=0
      diff -u "$WORK/c$round.norm" "$WORK/go$round.norm" || ok=0
    done
    expect_run c-wrong 1 "$WORK/run-http" "${CLEAN[@]}" USER_PRIVATE_KEY="$OTHER" USER_PUBLIC_KEY= "$WORK/c_register_authenticate" "$USER_ID" || ok=0
    sed 's/^Error: authenticating failed: .*/Error: authenticating failed: .../' "$WORK/c-wrong.err" >"$WORK/c-wrong.norm"
    sed 's/^Error: authenticating failed: .*/Error: authenticating failed: .../' "$WORK/reg-wrongkey.err" >"$WORK/go-wrong.norm"
    diff -u "$WORK/c-wrong.norm" "$WORK/go-wrong.norm" || ok=0
    if [ "$ok" = 1 ]; then pass "register_authenticate: same output as the C example"; else fail "register_authenticate: same output as the C example"; fi
  else
    cat "$WORK/cc.err" >&2
    fail "build examples/c/register_authenticate.c for the comparison"
  fi
else
  skip "comparison with the C example (examples/c/register_authenticate.c or cc not available)"
fi

# ---- link variants ----------------------------------------------------------------------------------------

section "self-contained build: -tags sxt_static"
STATIC_TAGS="sxt_static"
STATIC_ENV=()
if [ "$TARGET" != "$ROOT/target" ]; then
  # The tag's directive names ../../target; for another target directory use a pkg-config file instead.
  mkdir -p "$WORK/pc-static"
  printf 'Name: sxt-auth\nDescription: sxt-auth (static, build tree)\nVersion: 0\nCflags: -I%s\nLibs: %s -lpthread -ldl -lm\n' \
    "$ROOT/include" "$LIBDIR/libsxt_auth.a" >"$WORK/pc-static/sxt-auth.pc"
  STATIC_TAGS="sxt_pkgconfig"
  STATIC_ENV=(PKG_CONFIG_PATH="$WORK/pc-static" CGO_LDFLAGS= CGO_CFLAGS=)
fi
mkdir -p "$WORK/static"
if (cd examples/go && env "${STATIC_ENV[@]}" go build -tags "$STATIC_TAGS" -o "$WORK/static/" ./keygen ./register_authenticate); then
  if ! command -v ldd >/dev/null 2>&1; then
    missing "static build checked with ldd" "ldd"
  elif ldd "$WORK/static/register_authenticate" | grep -q sxt_auth || ldd "$WORK/static/keygen" | grep -q sxt_auth; then
    ldd "$WORK/static/register_authenticate"
    fail "static build: the binaries still need libsxt_auth.so"
  elif expect_run static-keygen 0 "$WORK" env LD_LIBRARY_PATH= "$WORK/static/keygen" &&
       has static-keygen out '^Private Key \(Base64\): ' &&
       expect_run static-reg 0 "$WORK/run-http" "${CLEAN[@]}" LD_LIBRARY_PATH= "$WORK/static/register_authenticate" "$USER_ID" &&
       has static-reg out '^UserID exists!$' && has static-reg out '^Access token: .+$'; then
    echo "ldd $WORK/static/register_authenticate:"; ldd "$WORK/static/register_authenticate" | sed 's/^/  /'
    pass "static build (-tags $STATIC_TAGS): no libsxt_auth.so needed, examples run"
  else
    fail "static build (-tags $STATIC_TAGS): examples run"
  fi
else
  fail "static build (-tags $STATIC_TAGS)"
fi

section "installed-library build path: -tags sxt_pkgconfig"
# An installed tree as scripts/install.sh lays it out (with the debug library, to save a release build),
# with sxt-auth.pc generated from the repository's sxt-auth.pc.in.
if command -v pkg-config >/dev/null 2>&1; then
  PREFIX_DIR="$WORK/prefix"
  mkdir -p "$PREFIX_DIR/lib/pkgconfig" "$PREFIX_DIR/include" "$WORK/pkgconfig" "$WORK/pkgconfig-static"
  # The real file under its SONAME, and the development link the linker finds for -lsxt_auth.
  cp "$LIBDIR/libsxt_auth.so" "$PREFIX_DIR/lib/libsxt_auth.so.0"
  ln -s libsxt_auth.so.0 "$PREFIX_DIR/lib/libsxt_auth.so"
  cp "$LIBDIR/libsxt_auth.a" "$PREFIX_DIR/lib/"
  ln -s "$ROOT/include/sxt_auth.h" "$PREFIX_DIR/include/"
  if [ -f sxt-auth.pc.in ]; then
    sed -e "s|@PREFIX@|$PREFIX_DIR|" -e "s|@VERSION@|0|" sxt-auth.pc.in >"$PREFIX_DIR/lib/pkgconfig/sxt-auth.pc"
  else
    printf 'prefix=%s\nName: sxt-auth\nDescription: sxt-auth\nVersion: 0\nCflags: -I${prefix}/include\nLibs: -L${prefix}/lib -lsxt_auth\n' \
      "$PREFIX_DIR" >"$PREFIX_DIR/lib/pkgconfig/sxt-auth.pc"
  fi
  # Go's build cache keys on CGO_CFLAGS but not on pkg-config's output: naming this run's prefix in
  # CGO_CFLAGS keeps a package compiled against an earlier run's (deleted) prefix from being reused.
  export_pc=(env PKG_CONFIG_PATH="$PREFIX_DIR/lib/pkgconfig" CGO_LDFLAGS= CGO_CFLAGS="-I$PREFIX_DIR/include")
  if (cd examples/go && "${export_pc[@]}" go build -tags sxt_pkgconfig -o "$WORK/pkgconfig/" ./keygen) &&
     LD_LIBRARY_PATH="$PREFIX_DIR/lib" ldd "$WORK/pkgconfig/keygen" | grep -qF "libsxt_auth.so.0 => $PREFIX_DIR/lib/libsxt_auth.so.0" &&
     expect_run pc-keygen 0 "$WORK" env LD_LIBRARY_PATH="$PREFIX_DIR/lib" "$WORK/pkgconfig/keygen" &&
     has pc-keygen out '^Public Key \(Base64\): '; then
    pass "pkg-config build (-tags sxt_pkgconfig), shared library"
  else
    fail "pkg-config build (-tags sxt_pkgconfig), shared library"
  fi
  # A self-contained binary from the installed tree: -tags "sxt_pkgconfig sxt_static" (sxt-auth-static.pc).
  sed -e "s|@PREFIX@|$PREFIX_DIR|" -e "s|@VERSION@|0|" sxt-auth-static.pc.in >"$PREFIX_DIR/lib/pkgconfig/sxt-auth-static.pc"
  if (cd examples/go && env PKG_CONFIG_PATH="$PREFIX_DIR/lib/pkgconfig" CGO_LDFLAGS= CGO_CFLAGS="-I$PREFIX_DIR/include" \
        go build -tags "sxt_pkgconfig sxt_static" -o "$WORK/pkgconfig-static/" ./keygen ./register_authenticate) &&
     ! ldd "$WORK/pkgconfig-static/keygen" | grep -q sxt_auth &&
     ! ldd "$WORK/pkgconfig-static/register_authenticate" | grep -q sxt_auth &&
     expect_run pcs-keygen 0 "$WORK" env -u LD_LIBRARY_PATH "$WORK/pkgconfig-static/keygen" &&
     has pcs-keygen out '^Public Key \(Base64\): ' &&
     expect_run pcs-reg 0 "$WORK/run-http" "${CLEAN[@]}" LD_LIBRARY_PATH= "$WORK/pkgconfig-static/register_authenticate" "$USER_ID" &&
     has pcs-reg out '^Access token: .+$'; then
    echo "ldd $WORK/pkgconfig-static/register_authenticate:"; ldd "$WORK/pkgconfig-static/register_authenticate" | sed 's/^/  /'
    pass "pkg-config build -tags \"sxt_pkgconfig sxt_static\": installed static library, no libsxt_auth.so needed"
  else
    fail "pkg-config build -tags \"sxt_pkgconfig sxt_static\": installed static library, no libsxt_auth.so needed"
  fi
else
  missing "pkg-config build (-tags sxt_pkgconfig)" "pkg-config"
fi

finish
