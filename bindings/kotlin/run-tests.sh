#!/usr/bin/env bash
# Builds and tests the Kotlin binding (bindings/kotlin) and the Kotlin examples (examples/kotlin):
#   1. cargo builds the library (target/debug/libsxt_auth.so) and the local server;
#   2. `mvn install` in bindings/kotlin: compiles (warnings are errors, explicit API mode), runs the JUnit
#      suite against local servers over http and https, and installs the jar in the local Maven repository;
#   3. `mvn install` in bindings/kotlin/okhttp: the OkHttp interceptor's module and its JUnit tests;
#   4. the examples: `mvn package` in examples/kotlin, then keygen and register-authenticate against fresh
#      local servers, their output compared line for line with the C example's (new user, existing user,
#      wrong key, server down) and the https and usage paths; whoami through the interceptor, and its
#      coroutine deadline against a listener that never answers.
# Maven runs offline first (-o); only when an artifact is not in the local repository yet (~/.m2, or
# MAVEN_REPO) does it go online, once, to fetch it; the run says which.
# Closes with `N passed, N failed[, N skipped]` (tests/lib/runner.sh); exit 0, 77 (something skipped) or 1.
# Environment: CI=true makes a missing toolchain (java, mvn) a failure instead of a skip; SXT_SERVER_BIN names
# the server binary (default <target>/debug/sxt-auth-server); CARGO_TARGET_DIR is honoured.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
case "$TARGET" in /*) ;; *) TARGET="$ROOT/$TARGET" ;; esac
LIBDIR="$TARGET/debug"
SERVER_BIN=${SXT_SERVER_BIN:-$LIBDIR/sxt-auth-server}
case "$SERVER_BIN" in /*) ;; *) SERVER_BIN="$ROOT/$SERVER_BIN" ;; esac
export SXT_SERVER_BIN="$SERVER_BIN"

START=$(date +%s)
OUT="$TARGET/kotlin-tests"
RUNNER_NAME=bindings/kotlin/run-tests.sh
mkdir -p "$OUT/logs"
# shellcheck source=../../tests/lib/runner.sh
source "$ROOT/tests/lib/runner.sh"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sxt-kotlin-tests.XXXXXX")
CLEANUP_DIRS+=("$WORK")

for tool in java mvn cargo; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    missing "Kotlin binding" "$tool"
    finish
  fi
done
echo "java: $(java -version 2>&1 | head -n 1); maven: $(mvn -v 2>/dev/null | head -n 1 | sed 's/\x1b\[[0-9;]*m//g')"

# The Kotlin compiler runs inside Maven's JVM: its daemon (the plugin's default) would outlive the run by
# minutes, holding hundreds of MB and the CPU that whatever runs next (make bench) measures.
MVN=(mvn -B -ntp -Dkotlin.compiler.daemon=false ${MAVEN_REPO:+-Dmaven.repo.local=$MAVEN_REPO})
# maven LOG ARGS...: runs Maven offline; if that fails only because an artifact was never downloaded, once
# more online. The output goes to LOG (and, on failure, its tail to the terminal).
maven() {
  local log=$1 rc
  shift
  "${MVN[@]}" -o "$@" >"$log" 2>&1
  rc=$?
  if [ $rc -ne 0 ] && grep -qE "offline mode|has not been downloaded from it before" "$log"; then
    echo "maven: fetching what the local repository lacks ($*)"
    "${MVN[@]}" "$@" >"$log" 2>&1
    rc=$?
  else
    echo "maven: offline ($*)"
  fi
  if [ $rc -ne 0 ]; then
    grep -vE '^\s+at |^\[INFO\]' "$log" | tail -n 60
  fi
  return $rc
}

section "build the library and the local server"
if cargo build --lib && cargo build -p sxt-auth-server; then
  pass "cargo build (library and server)"
else
  fail "cargo build (library and server)"
  finish
fi

section "mvn install (bindings/kotlin): compile, JUnit against local servers, install"
if maven "$OUT/logs/binding.log" -f bindings/kotlin/pom.xml install \
     -Dsxt.library.dir="$LIBDIR" -Dsxt.server.bin="$SERVER_BIN" -Dsxt.header="$ROOT/include/sxt_auth.h"; then
  summary=$(grep -E '^\[(INFO|WARNING|ERROR)\] Tests run: [0-9]+, Failures: [0-9]+, Errors: [0-9]+, Skipped: [0-9]+$' "$OUT/logs/binding.log" | tail -n 1)
  echo "${summary:-no test summary}"
  # Every test ran: none skipped, and there are tests.
  if [[ $summary =~ Tests\ run:\ ([0-9]+),\ Failures:\ 0,\ Errors:\ 0,\ Skipped:\ 0$ ]] && [ "${BASH_REMATCH[1]}" -gt 20 ]; then
    pass "JUnit: ${BASH_REMATCH[1]} tests"
  else
    fail "JUnit: not every test ran (${summary:-no summary})"
  fi
else
  fail "mvn install (bindings/kotlin)"
  finish
fi

section "mvn install (bindings/kotlin/okhttp): the OkHttp interceptor's module"
if maven "$OUT/logs/okhttp.log" -f bindings/kotlin/okhttp/pom.xml install \
     -Dsxt.library.dir="$LIBDIR" -Dsxt.server.bin="$SERVER_BIN"; then
  summary=$(grep -E '^\[(INFO|WARNING|ERROR)\] Tests run: [0-9]+, Failures: [0-9]+, Errors: [0-9]+, Skipped: [0-9]+$' "$OUT/logs/okhttp.log" | tail -n 1)
  echo "${summary:-no test summary}"
  if [[ $summary =~ Tests\ run:\ ([0-9]+),\ Failures:\ 0,\ Errors:\ 0,\ Skipped:\ 0$ ]] && [ "${BASH_REMATCH[1]}" -ge 3 ]; then
    pass "JUnit (okhttp): ${BASH_REMATCH[1]} tests"
  else
    fail "JUnit (okhttp): not every test ran (${summary:-no summary})"
  fi
else
  fail "mvn install (bindings/kotlin/okhttp)"
  finish
fi

section "mvn package (examples/kotlin)"
if maven "$OUT/logs/examples.log" -f examples/kotlin/pom.xml package; then
  pass "mvn package (examples/kotlin)"
else
  fail "mvn package (examples/kotlin)"
  finish
fi

# ---- the examples against fresh local servers --------------------------------------------------------------
export SXT_LIBRARY_DIR="$LIBDIR"
KT=("$ROOT/examples/kotlin/run")
CLEAN=(env -u API_URL -u USER_PRIVATE_KEY -u USER_PUBLIC_KEY -u ORG_CODE -u JOINCODE -u USERID -u SXT_CA_CERT
       -u SXT_ALLOW_HTTP)

# run_in NAME DIR CMD...: runs CMD in DIR; output in $WORK/NAME.{out,err}, status in $WORK/NAME.rc.
run_in() {
  local name=$1 dir=$2
  shift 2
  (cd "$dir" && "${CLEAN[@]}" "$@") >"$WORK/$name.out" 2>"$WORK/$name.err"
  echo $? >"$WORK/$name.rc"
}
# same NAME_C NAME_KT USER_C USER_KT: both runs ended alike, stdout and stderr equal line for line once the
# token and the user ids are masked.
same() {
  local c=$1 k=$2 f ok=0
  [ "$(cat "$WORK/$c.rc")" = "$(cat "$WORK/$k.rc")" ] || { echo "exit status: C $(cat "$WORK/$c.rc"), Kotlin $(cat "$WORK/$k.rc")" >&2; ok=1; }
  for f in out err; do
    sed -E -e 's/^Access token: .+/Access token: T/' -e "s/$3/USER/g" -e 's/^usage: .*/usage: .../' "$WORK/$c.$f" >"$WORK/$c.$f.norm"
    sed -E -e 's/^Access token: .+/Access token: T/' -e "s/$4/USER/g" -e 's/^usage: .*/usage: .../' "$WORK/$k.$f" >"$WORK/$k.$f.norm"
    diff -u "$WORK/$c.$f.norm" "$WORK/$k.$f.norm" >&2 || ok=1
  done
  return $ok
}

section "examples: keygen"
run_in keygen "$WORK" "${KT[@]}" keygen
PRIV=$(sed -n 's/^Private Key (Base64): //p' "$WORK/keygen.out")
PUB=$(sed -n 's/^Public Key (Base64): //p' "$WORK/keygen.out")
run_in keygen2 "$WORK" "${KT[@]}" keygen
OTHER=$(sed -n 's/^Private Key (Base64): //p' "$WORK/keygen2.out")
key_re='^[A-Za-z0-9+/]{43}=$'
check "keygen prints two well-formed, different key pairs" \
  test "$(cat "$WORK/keygen.rc")" = 0 -a "$(wc -l <"$WORK/keygen.out")" = 2 -a "$PRIV" != "$OTHER" \
  -a -n "$(echo "$PRIV" | grep -E "$key_re")" -a -n "$(echo "$PUB" | grep -E "$key_re")"

section "examples: register-authenticate, line for line with the C example"
if ! cc -std=c99 -Iinclude examples/c/register_authenticate.c -L"$LIBDIR" -Wl,-rpath,"$LIBDIR" -lsxt_auth \
     -o "$WORK/c_register_authenticate" 2>"$WORK/cc.err"; then
  cat "$WORK/cc.err"
  fail "build examples/c/register_authenticate.c for the comparison"
  finish
fi
C=("$WORK/c_register_authenticate")
if start_server "$WORK/server-http.out" --join-code ORG-KT --require-join-code && URL_http=$SERVER_URL &&
   start_server "$WORK/server-tls.out" --tls --ca-out "$WORK/ca.pem" && URL_tls=$SERVER_URL; then
  :
else
  fail "start the local servers"
  finish
fi
mkdir -p "$WORK/http" "$WORK/tls" "$WORK/down"
cat >"$WORK/http/.env" <<ENV
# written by bindings/kotlin/run-tests.sh
export API_URL="$URL_http/v1/"
USER_PRIVATE_KEY='$PRIV'
USER_PUBLIC_KEY = $PUB   # the matching public key
ORG_CODE=ORG-KT
SXT_ALLOW_HTTP=1
ENV
U="kt_example_$$_$(date +%s)"
for round in new existing; do
  run_in "c-$round" "$WORK/http" "${C[@]}" "${U}_c"
  run_in "kt-$round" "$WORK/http" "${KT[@]}" register-authenticate "${U}_kt"
done
check "new user: registers with ORG_CODE, same output as C" same c-new kt-new "${U}_c" "${U}_kt"
check "new user: the lines the example promises" grep -qx "UserID doesn't exist!" "$WORK/kt-new.out"
check "existing user: signs in, same output as C" same c-existing kt-existing "${U}_c" "${U}_kt"
check "existing user: a token is printed" grep -qE '^Access token: .+' "$WORK/kt-existing.out"
check "existing user: exit status 0" test "$(cat "$WORK/kt-existing.rc")" = 0
run_in c-wrong "$WORK/http" env USER_PRIVATE_KEY="$OTHER" USER_PUBLIC_KEY= "${C[@]}" "${U}_c"
run_in kt-wrong "$WORK/http" env USER_PRIVATE_KEY="$OTHER" USER_PUBLIC_KEY= "${KT[@]}" register-authenticate "${U}_kt"
check "wrong key: refused (exit 1), same output as C" same c-wrong kt-wrong "${U}_c" "${U}_kt"
check "wrong key: the server's 400 is shown" grep -qx '  HTTP status: 400' "$WORK/kt-wrong.err"
check "wrong key: no key in the output" bash -c "! grep -qF -- '$OTHER' '$WORK/kt-wrong.out' '$WORK/kt-wrong.err'"
printf 'API_URL=http://127.0.0.1:9\nUSER_PRIVATE_KEY=%s\nSXT_ALLOW_HTTP=1\n' "$PRIV" >"$WORK/down/.env"
run_in c-down "$WORK/down" "${C[@]}" someone
run_in kt-down "$WORK/down" "${KT[@]}" register-authenticate someone
check "server down: same output as C" same c-down kt-down someone someone
check "server down: SXT_STATUS_NETWORK, exit 1" grep -q 'SXT_STATUS_NETWORK' "$WORK/kt-down.err"
run_in c-usage "$WORK/down" "${C[@]}"
run_in kt-usage "$WORK/down" "${KT[@]}" register-authenticate
check "usage: exit 2, same message as C" same c-usage kt-usage x x
run_in c-nohttp "$WORK/http" env SXT_ALLOW_HTTP=0 "${C[@]}" "${U}_c"
run_in kt-nohttp "$WORK/http" env SXT_ALLOW_HTTP=0 "${KT[@]}" register-authenticate "${U}_kt"
check "http not allowed: same output as C" same c-nohttp kt-nohttp "${U}_c" "${U}_kt"
run_in c-nocode "$WORK/http" env ORG_CODE= "${C[@]}" "${U}_c_nocode"
run_in kt-nocode "$WORK/http" env ORG_CODE= "${KT[@]}" register-authenticate "${U}_kt_nocode"
check "required join code missing: same output as C" same c-nocode kt-nocode "${U}_c_nocode" "${U}_kt_nocode"

cat >"$WORK/tls/.env" <<ENV
API_URL=$URL_tls
USER_PRIVATE_KEY=$PRIV
SXT_CA_CERT=$WORK/ca.pem
USERID=${U}_tls
ENV
run_in kt-tls "$WORK/tls" "${KT[@]}" register-authenticate
check "https with SXT_CA_CERT, user id from USERID" grep -qE '^Access token: .+' "$WORK/kt-tls.out"
run_in c-tls-noca "$WORK/tls" env SXT_CA_CERT= "${C[@]}"
run_in kt-tls-noca "$WORK/tls" env SXT_CA_CERT= "${KT[@]}" register-authenticate
check "https without the CA: refused, same output as C" same c-tls-noca kt-tls-noca "${U}_tls" "${U}_tls"

section "examples: whoami (the OkHttp interceptor, a coroutine deadline)"
WHO=(env -u SXT_TIMEOUT_MS API_URL="$URL_http" USER_PRIVATE_KEY="$PRIV" SXT_ALLOW_HTTP=1)
run_in kt-who "$WORK" "${WHO[@]}" "${KT[@]}" whoami "${U}_kt"
check "whoami: auth/validtoken through SxtAuthInterceptor, as the user" \
  bash -c '[ "$(cat "$1.rc")" = 0 ] && [ "$(wc -l <"$1.out")" = 2 ] && grep -qx "Signed in as: $2" "$1.out" &&
           grep -qE "^Subscription: .+" "$1.out"' _ "$WORK/kt-who" "${U}_kt"
run_in kt-who-tls "$WORK" env API_URL="$URL_tls" USER_PRIVATE_KEY="$PRIV" SXT_CA_CERT="$WORK/ca.pem" "${KT[@]}" whoami "${U}_tls"
check "whoami over https, the server's CA trusted by the library and by OkHttp" \
  bash -c '[ "$(cat "$1.rc")" = 0 ] && grep -qx "Signed in as: $2" "$1.out"' _ "$WORK/kt-who-tls" "${U}_tls"
run_in kt-who-wrong "$WORK" "${WHO[@]}" USER_PRIVATE_KEY="$OTHER" "${KT[@]}" whoami "${U}_kt"
check "whoami with another key: exit 1, the server's refusal, nothing on stdout" \
  bash -c '[ "$(cat "$1.rc")" = 1 ] && [ ! -s "$1.out" ] &&
           grep -q "^Error: signing in failed: .*(SXT_STATUS_BAD_REQUEST)$" "$1.err"' _ "$WORK/kt-who-wrong"
run_in kt-who-usage "$WORK" "${WHO[@]}" "${KT[@]}" whoami
check "whoami without a user id: exit 2" test "$(cat "$WORK/kt-who-usage.rc")" = 2
if start_staller "$WORK/stall.port"; then
  began=$(date +%s)
  run_in kt-who-deadline "$WORK" "${WHO[@]}" API_URL="$STALL_URL" SXT_TIMEOUT_MS=500 "${KT[@]}" whoami "${U}_kt"
  took=$(( $(date +%s) - began ))
  # A generous bound that only catches a hang (the client's own read timeout is 15 s).
  check "whoami: withTimeout cancels a sign-in the server never answers (${took} s)" \
    bash -c '[ "$(cat "$1.rc")" = 1 ] && [ "$2" -lt 12 ] &&
             grep -qx "Error: signing in failed: no answer within SXT_TIMEOUT_MS (cancelled)" "$1.err"' \
    _ "$WORK/kt-who-deadline" "$took"
else
  fail "start the stalling listener"
fi

finish
