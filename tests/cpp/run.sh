#!/usr/bin/env bash
# The C++ interface (include/sxt_auth.hpp), end to end:
#
#   1. builds the library (cargo build -p sxt-auth --lib) and the local server (cargo build -p sxt-auth-server);
#   2. checks the header on its own: C++17 and C++20 with -Wall -Wextra -Wpedantic -Werror (and stricter
#      warnings), included twice, refused with a clear message below C++17, and every SXT_STATUS_* of
#      sxt_auth.h mirrored by a static_assert in sxt_auth.hpp;
#   3. builds tests/cpp/test_cpp.cpp (+ second_tu.cpp, + tests/c/harness.c, which starts the local servers)
#      with -fsanitize=address,undefined against the shared library, checks with nm that the sanitizer
#      runtimes are linked in, and runs it;
#   4. builds it again without sanitizers against the static library and runs it under valgrind
#      (--leak-check=full; definite and indirect leaks are errors);
#   5. builds examples/cpp (keygen, register_authenticate) and the C register_authenticate, runs both against
#      the same local http and https servers in every scenario the C runner uses (new and existing user, .env
#      forms, CA file, join code, and the failures) and checks that the C++ example prints what the C one
#      prints (user ids and tokens aside); runs the static C++ examples once more under valgrind.
#
# Prints `N passed, N failed` last (every check of this script plus every check of test_cpp, per build) and
# exits non-zero on any failure. Build outputs and logs go to target/cpp-tests/.
#
# Environment:
#   SXT_SERVER_BIN   the local server (default: <target>/debug/sxt-auth-server, built here)
#   CXX, CC          compilers (default g++, gcc)
#   CI               with CI=true, nothing may be skipped (a missing valgrind is a failure)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
START=$(date +%s)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$ROOT/$TARGET_DIR" ;; esac
LIBDIR=$TARGET_DIR/debug
OUT=$TARGET_DIR/cpp-tests
CXX=${CXX:-g++}
CC=${CC:-gcc}
CXXWARN=(-std=c++17 -Wall -Wextra -Wpedantic -Werror)
RUNNER_NAME=tests/cpp/run.sh
# shellcheck source-path=SCRIPTDIR source=../lib/runner.sh
source "$ROOT/tests/lib/runner.sh"

# ---- 1. build ---------------------------------------------------------------------------------------------
section "build the library and the local server"
mkdir -p "$OUT/logs"
if ! cargo build -p sxt-auth --lib; then
    fail "cargo build -p sxt-auth --lib"
    finish
fi
if ! cargo build -p sxt-auth-server; then
    fail "cargo build -p sxt-auth-server"
    finish
fi
export SXT_SERVER_BIN=${SXT_SERVER_BIN:-$LIBDIR/sxt-auth-server}
case "$SXT_SERVER_BIN" in /*) ;; *) SXT_SERVER_BIN="$ROOT/$SXT_SERVER_BIN" ;; esac
for f in "$LIBDIR/libsxt_auth.so" "$LIBDIR/libsxt_auth.a" "$SXT_SERVER_BIN" include/sxt_auth.h include/sxt_auth.hpp; do
    check "present: $f" test -e "$f"
done
VERSION=$(bash scripts/version.sh)
check "Cargo.toml version found ($VERSION)" test -n "$VERSION"

# Tools: valgrind is installed when missing (it is part of what this script runs).
if ! command -v valgrind >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    echo "valgrind is missing; installing it"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind) >"$OUT/logs/apt.log" 2>&1
fi
for tool in "$CXX" "$CC" nm readelf; do
    check "tool available: $tool" bash -c 'command -v "$1" >/dev/null' _ "$tool"
done
HAVE_VALGRIND=no
if command -v valgrind >/dev/null 2>&1; then
    HAVE_VALGRIND=yes
    pass "tool available: valgrind"
else
    missing "the valgrind runs" "valgrind"
fi

# ---- 2. the header on its own -----------------------------------------------------------------------------
section "sxt_auth.hpp on its own"
for std in c++17 c++20; do
    check "header compiles alone as $std (-Wall -Wextra -Wpedantic -Werror)" \
        "$CXX" -std=$std -Wall -Wextra -Wpedantic -Werror -fsyntax-only -Iinclude -x c++ include/sxt_auth.hpp
done
check "header compiles alone with -Wshadow -Wconversion -Wsign-conversion -Wold-style-cast -Wundef" \
    "$CXX" "${CXXWARN[@]}" -Wshadow -Wconversion -Wsign-conversion -Wold-style-cast -Wundef -Wnon-virtual-dtor \
    -fsyntax-only -Iinclude -x c++ include/sxt_auth.hpp
printf '#include "sxt_auth.hpp"\n#include "sxt_auth.hpp"\nint main() { return sxt::version().empty() ? 1 : 0; }\n' \
    >"$OUT/include_twice.cpp"
check "header can be included twice" "$CXX" "${CXXWARN[@]}" -Iinclude -c "$OUT/include_twice.cpp" \
    -o "$OUT/include_twice.o"
check "header refuses C++14 with a clear message" bash -c \
    '! "$1" -std=c++14 -fsyntax-only -Iinclude -x c++ include/sxt_auth.hpp 2>"$2" && grep -q "needs C++17 or later" "$2"' \
    _ "$CXX" "$OUT/logs/cxx14.log"
check "test_cpp, second_tu and the examples compile as C++20 too" bash -c '
    for f in tests/cpp/test_cpp.cpp tests/cpp/second_tu.cpp examples/cpp/*.cpp; do
        "$1" -std=c++20 -Wall -Wextra -Wpedantic -Werror -fsyntax-only -Iinclude -Itests/c \
            -DSXT_EXPECTED_VERSION="\"$2\"" "$f" || exit 1
    done' _ "$CXX" "$VERSION"
grep -oE '\bSXT_STATUS_[A-Z0-9_]+ = [0-9]+' include/sxt_auth.h | awk '{print $1}' | sort -u >"$OUT/c-statuses.txt"
grep -oE 'static_cast<std::int32_t>\(SXT_STATUS_[A-Z0-9_]+\)' include/sxt_auth.hpp | grep -oE 'SXT_STATUS_[A-Z0-9_]+' \
    | sort -u >"$OUT/cpp-statuses.txt"
check "every SXT_STATUS_* of sxt_auth.h ($(wc -l <"$OUT/c-statuses.txt")) has a static_assert in sxt_auth.hpp" \
    diff "$OUT/c-statuses.txt" "$OUT/cpp-statuses.txt"

# ---- helpers ----------------------------------------------------------------------------------------------
# build_test DIR MODE(shared|static) FLAGS...: test_cpp (+ second_tu, + harness.c) into DIR/test_cpp.
build_test() {
    local dir=$1 mode=$2; shift 2
    local link=()
    mkdir -p "$dir"
    if [ "$mode" = shared ]; then
        link=(-L"$LIBDIR" -Wl,-rpath,"$LIBDIR" -lsxt_auth -pthread)
    else
        link=("$LIBDIR/libsxt_auth.a" -pthread -lpthread -ldl -lm)
    fi
    if "$CC" -std=c99 -Wall -Wextra -Wpedantic -Werror "$@" -Iinclude -c tests/c/harness.c -o "$dir/harness.o" \
            >"$dir/build.log" 2>&1 &&
        "$CXX" "${CXXWARN[@]}" "$@" -Iinclude -Itests/c -DSXT_EXPECTED_VERSION="\"$VERSION\"" \
            tests/cpp/test_cpp.cpp tests/cpp/second_tu.cpp "$dir/harness.o" "${link[@]}" -o "$dir/test_cpp" \
            >>"$dir/build.log" 2>&1; then
        pass "build $dir/test_cpp ($mode library)"
    else
        fail "build $dir/test_cpp ($mode library)"; cat "$dir/build.log"
        return 1
    fi
}

# build_examples DIR MODE FLAGS...: examples/cpp/*.cpp into DIR.
build_examples() {
    local dir=$1 mode=$2; shift 2
    local link=() name ok=0
    mkdir -p "$dir"
    if [ "$mode" = shared ]; then
        link=(-L"$LIBDIR" -Wl,-rpath,"$LIBDIR" -lsxt_auth -pthread)
    else
        link=("$LIBDIR/libsxt_auth.a" -pthread -lpthread -ldl -lm)
    fi
    for name in keygen register_authenticate bearer; do
        if "$CXX" "${CXXWARN[@]}" "$@" -Iinclude "examples/cpp/$name.cpp" "${link[@]}" -o "$dir/$name" \
                >"$dir/$name.build.log" 2>&1; then
            pass "build $dir/$name ($mode library)"
        else
            fail "build $dir/$name ($mode library)"; cat "$dir/$name.build.log"; ok=1
        fi
    done
    return $ok
}

# linkage_checks BIN MODE SANITIZED(yes|no)
linkage_checks() {
    local bin=$1 mode=$2 sanitized=$3 syms="$1.nm"
    nm "$bin" >"$syms" 2>/dev/null
    if [ "$sanitized" = yes ]; then
        check "$bin references the ASan runtime (__asan_init)" grep -q '__asan_init' "$syms"
        check "$bin references the UBSan runtime (__ubsan_handle_*)" grep -q '__ubsan_handle_' "$syms"
    else
        check "$bin is not instrumented (for valgrind)" bash -c '! grep -q "__asan_init" "$1"' _ "$syms"
    fi
    if [ "$mode" = static ]; then
        check "$bin has the library linked in (no libsxt_auth.so needed)" \
            bash -c 'readelf -d "$1" | grep -q "NEEDED.*libsxt_auth" && exit 1; grep -q " T sxt_login$" "$2"' \
            _ "$bin" "$syms"
    else
        check "$bin needs libsxt_auth.so" bash -c 'readelf -d "$1" | grep -q "NEEDED.*libsxt_auth.so"' _ "$bin"
    fi
}

# ---- 3. sanitizers ----------------------------------------------------------------------------------------
section "test_cpp with ASan+UBSan, shared library"
if build_test "$OUT/asan-shared" shared "${SAN[@]}"; then
    linkage_checks "$OUT/asan-shared/test_cpp" shared yes
    run_program "asan-shared-test_cpp" "$OUT/asan-shared/test_cpp"
fi

# ---- 4. valgrind ------------------------------------------------------------------------------------------
if [ "$HAVE_VALGRIND" = yes ]; then
    section "test_cpp under valgrind, static library"
    if build_test "$OUT/plain-static" static -g -O1; then
        linkage_checks "$OUT/plain-static/test_cpp" static no
        run_program "valgrind-static-test_cpp" "${VALGRIND[@]}" "$OUT/plain-static/test_cpp"
    fi
fi

# ---- 5. examples ------------------------------------------------------------------------------------------
section "examples/cpp against local servers, output compared with examples/c"
build_examples "$OUT/examples-asan" shared "${SAN[@]}"
mkdir -p "$OUT/c-reference"
for name in register_authenticate bearer; do
    if "$CC" -std=c99 -Wall -Wextra -Wpedantic -Werror -Iinclude "examples/c/$name.c" \
            -L"$LIBDIR" -Wl,-rpath,"$LIBDIR" -lsxt_auth -o "$OUT/c-reference/$name" \
            >"$OUT/c-reference/$name.build.log" 2>&1; then
        pass "build the C $name for comparison"
    else
        fail "build the C $name for comparison"; cat "$OUT/c-reference/$name.build.log"
    fi
done

E2E=$OUT/e2e
rm -rf "$E2E"
mkdir -p "$E2E"
if start_server "$E2E/http-server.out"; then
    HTTP_URL=$SERVER_URL
    pass "local http server for the examples: $HTTP_URL"
else
    fail "local http server for the examples did not start"; cat "$E2E/http-server.out.log"
    finish
fi
CA_FILE="$E2E/ca.pem"
if start_server "$E2E/https-server.out" --tls --ca-out "$CA_FILE" --join-code TEAM-E2E --require-join-code; then
    HTTPS_URL=$SERVER_URL
    pass "local https server for the examples: $HTTPS_URL"
else
    fail "local https server for the examples did not start"; cat "$E2E/https-server.out.log"
    finish
fi

# keygen: exactly the two lines of the C keygen.
KEYS=$("$OUT/examples-asan/keygen" 2>"$E2E/keygen.err")
rc=$?
check "keygen exits 0" test "$rc" -eq 0
check "keygen prints exactly the two key lines" \
    bash -c '[ "$(wc -l <<<"$1")" -eq 2 ] &&
             grep -Eq "^Private Key \(Base64\): [A-Za-z0-9+/]{43}=$" <<<"$1" &&
             grep -Eq "^Public Key \(Base64\): [A-Za-z0-9+/]{43}=$" <<<"$1" &&
             [ "$(sed -n 1p <<<"$1" | cut -c1-22)" = "Private Key (Base64): " ]' _ "$KEYS"
PRIV=$(sed -n 's/^Private Key (Base64): //p' <<<"$KEYS")
PUB=$(sed -n 's/^Public Key (Base64): //p' <<<"$KEYS")

# scenarios IMPL BIN [WRAPPER...]: every run of register_authenticate, into $E2E/IMPL/<scenario>.{out,err,rc}.
# User ids are per implementation (both register their own users); outputs are compared after normalising.
scenarios() {
    local impl=$1 bin=$2; shift 2
    local wrap=("$@")
    local dir="$E2E/$impl" user tls_user
    mkdir -p "$dir/http" "$dir/https" "$dir/none"
    user="example-$impl-$$"
    tls_user="example-tls-$impl-$$"
    printf '%s\n' "$user" >"$dir/users"
    printf '%s\n' "$tls_user" >>"$dir/users"
    # runs NAME WORKDIR [VAR=VALUE...] -- ARGS...
    one() {
        local name=$1 wd=$2; shift 2
        local envs=()
        while [ "$#" -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
        shift
        (cd "$wd" && env "${envs[@]}" "${wrap[@]}" "$bin" "$@") >"$dir/$name.out" 2>"$dir/$name.err"
        echo $? >"$dir/$name.rc"
    }
    # http, with a .env that uses every dotenv form: comments, export, both quotes, spaces around =.
    cat >"$dir/http/.env" <<EOF
# register_authenticate settings for the local server
export API_URL="$HTTP_URL/v1/"   # with the /v1/ the python examples use
USER_PRIVATE_KEY='$PRIV'
USER_PUBLIC_KEY = $PUB # spaces around = and an inline comment
ORG_CODE=""
SXT_ALLOW_HTTP=1
EOF
    one http-1 "$dir/http" -- "$user"
    one http-2 "$dir/http" -- "$user"
    printf 'USERID=%s\n' "$user" >>"$dir/http/.env"
    one http-3 "$dir/http" --
    # https with the server's CA; the join code comes from JOINCODE (the server requires one).
    cat >"$dir/https/.env" <<EOF
API_URL=$HTTPS_URL
USER_PRIVATE_KEY="$PRIV"
JOINCODE='TEAM-E2E'
SXT_CA_CERT=$CA_FILE
EOF
    one https-1 "$dir/https" -- "$tls_user"
    one https-2 "$dir/https" -- "$tls_user"
    # Failures.
    one no-ca "$dir/https" SXT_CA_CERT= -- "$tls_user"
    one key-mismatch "$dir/https" USER_PUBLIC_KEY=jx2dxJGVfC1cppytY0zUGoITMn2UsYaVBvTBHh9Cjhs= -- "$tls_user"
    one bad-join-code "$dir/https" JOINCODE=NOT-A-TEAM -- "$tls_user-new"
    one insecure "$dir/https" API_URL=http://127.0.0.1:1 -- "$tls_user"
    one bad-ca-file "$dir/https" SXT_CA_CERT="$dir/https/.env" -- "$tls_user"
    one missing-ca-file "$dir/https" SXT_CA_CERT="$dir/https/no-such-file.pem" -- "$tls_user"
    one bad-key "$dir/https" USER_PRIVATE_KEY=not-a-key -- "$tls_user"
    one no-api-url "$dir/none" USER_PRIVATE_KEY="$PRIV" -- "$user"
    one existing-user-wrong-key "$dir/http" USER_PRIVATE_KEY=Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2Yc= \
        USER_PUBLIC_KEY= -- "$user"
    one no-user "$dir/none" --
    one two-args "$dir/http" -- a b
}

# normalised IMPL NAME STREAM: the output with this implementation's user ids and the token replaced.
normalised() {
    local dir="$E2E/$1"
    sed -e "s#$dir/#DIR/#g" -e "s/$(sed -n 2p "$dir/users")/TLS_USER/g" -e "s/$(sed -n 1p "$dir/users")/USER/g" \
        -e 's/^Access token: .*/Access token: TOKEN/' -e 's/^usage: .* <user_id>$/usage: PROGRAM <user_id>/' \
        "$dir/$2.$3"
}

rc_of() { cat "$E2E/$1/$2.rc"; }

# same_as_c NAME: the C++ run of scenario NAME exited, printed and reported exactly as the C run did.
same_as_c() {
    [ -e "$E2E/cpp/$1.rc" ] && [ "$(rc_of cpp "$1")" = "$(rc_of c "$1")" ] &&
        diff <(normalised cpp "$1" out) <(normalised c "$1" out) &&
        diff <(normalised cpp "$1" err) <(normalised c "$1" err)
}

if [ -x "$OUT/examples-asan/register_authenticate" ] && [ -x "$OUT/c-reference/register_authenticate" ]; then
    scenarios cpp "$OUT/examples-asan/register_authenticate"
    scenarios c "$OUT/c-reference/register_authenticate"
    U=$(sed -n 1p "$E2E/cpp/users")
    check "http first run: exit 0" test "$(rc_of cpp http-1)" -eq 0
    check "http first run: checks the user id against the API URL" \
        grep -qx "Checking id: $U with URL: $HTTP_URL/v1/auth/idexists/$U" "$E2E/cpp/http-1.out"
    check "http first run: UserID doesn't exist!" grep -qx "UserID doesn't exist!" "$E2E/cpp/http-1.out"
    check "http first run: success line" \
        grep -qx "Authentication to the SxT API has been completed successfully!" "$E2E/cpp/http-1.out"
    check "http first run: Access token" grep -Eq '^Access token: .+' "$E2E/cpp/http-1.out"
    check "http second run: exit 0, UserID exists!" \
        bash -c '[ "$1" -eq 0 ] && grep -qx "UserID exists!" "$2"' _ "$(rc_of cpp http-2)" "$E2E/cpp/http-2.out"
    check "http: USERID from .env is used without an argument" \
        bash -c '[ "$1" -eq 0 ] && grep -qx "UserID exists!" "$2"' _ "$(rc_of cpp http-3)" "$E2E/cpp/http-3.out"
    check "https first run: exit 0, new user, token" \
        bash -c '[ "$1" -eq 0 ] && grep -qx "UserID doesn'"'"'t exist!" "$2" && grep -Eq "^Access token: .+" "$2"' \
        _ "$(rc_of cpp https-1)" "$E2E/cpp/https-1.out"
    check "https second run: exit 0, UserID exists!" \
        bash -c '[ "$1" -eq 0 ] && grep -qx "UserID exists!" "$2"' _ "$(rc_of cpp https-2)" "$E2E/cpp/https-2.out"
    check "https without the CA (environment overrides .env): TLS error, exit 1" \
        bash -c '[ "$1" -eq 1 ] && grep -q "SXT_STATUS_TLS" "$2"' _ "$(rc_of cpp no-ca)" "$E2E/cpp/no-ca.err"
    check "mismatched USER_PUBLIC_KEY is refused" \
        bash -c '[ "$1" -eq 1 ] && grep -q "does not match" "$2"' _ "$(rc_of cpp key-mismatch)" "$E2E/cpp/key-mismatch.err"
    check "unknown join code: the server's HTTP status, title and detail" \
        bash -c '[ "$1" -eq 1 ] && grep -q "HTTP status: 400" "$2" && grep -q "title: " "$2" && grep -q "detail: " "$2"' \
        _ "$(rc_of cpp bad-join-code)" "$E2E/cpp/bad-join-code.err"
    check "plain http without SXT_ALLOW_HTTP is refused" \
        bash -c '[ "$1" -eq 1 ] && grep -q "SXT_STATUS_INSECURE_URL" "$2"' _ "$(rc_of cpp insecure)" "$E2E/cpp/insecure.err"
    check "a file that is not PEM as SXT_CA_CERT: setting up the client fails" \
        bash -c '[ "$1" -eq 1 ] && grep -q "setting up the client failed.*SXT_STATUS_INVALID_CERTIFICATE" "$2"' \
        _ "$(rc_of cpp bad-ca-file)" "$E2E/cpp/bad-ca-file.err"
    check "a missing SXT_CA_CERT file is reported" \
        bash -c '[ "$1" -eq 1 ] && grep -q "cannot read SXT_CA_CERT file" "$2"' _ "$(rc_of cpp missing-ca-file)" \
        "$E2E/cpp/missing-ca-file.err"
    check "a bad USER_PRIVATE_KEY is reported" \
        bash -c '[ "$1" -eq 1 ] && grep -q "SXT_STATUS_INVALID_KEY" "$2"' _ "$(rc_of cpp bad-key)" "$E2E/cpp/bad-key.err"
    check "no API_URL is reported" bash -c '[ "$1" -eq 1 ] && grep -q "API_URL" "$2"' _ "$(rc_of cpp no-api-url)" \
        "$E2E/cpp/no-api-url.err"
    check "an existing user with a key not on its keyring: the server's refusal" \
        bash -c '[ "$1" -eq 1 ] && grep -q "authenticating failed.*SXT_STATUS_BAD_REQUEST" "$2" && grep -q "HTTP status: 400" "$2"' \
        _ "$(rc_of cpp existing-user-wrong-key)" "$E2E/cpp/existing-user-wrong-key.err"
    check "no user id: usage error (exit 2)" test "$(rc_of cpp no-user)" -eq 2
    check "two arguments: usage error (exit 2)" test "$(rc_of cpp two-args)" -eq 2
    check "the private key is never printed" bash -c '! grep -qF -- "$1" "$2"/*.out "$2"/*.err' _ "$PRIV" "$E2E/cpp"
    check "no sanitizer report on any path" \
        bash -c '! grep -lE "^==[0-9]+==|Sanitizer|runtime error:" "$1"/*.err "$2"' _ "$E2E/cpp" "$E2E/keygen.err"
    # Same output as the C example, scenario by scenario.
    for rcfile in "$E2E"/c/*.rc; do
        name=$(basename "$rcfile" .rc)
        check "$name: same exit status, stdout and stderr as the C example" same_as_c "$name"
    done
fi

# bearer: the C++ and C programs against the same server, the same user (the http user registered above).
# bearer_runs IMPL BIN: each scenario into $E2E/bearer-IMPL/<scenario>.{out,err,rc}.
bearer_runs() {
    local dir="$E2E/bearer-$1" bin=$2
    mkdir -p "$dir"
    bearer_one() {
        local name=$1; shift
        (env -u SXT_CA_CERT -u SXT_TIMEOUT_MS "$@") >"$dir/$name.out" 2>"$dir/$name.err"
        echo $? >"$dir/$name.rc"
    }
    bearer_one ok API_URL="$HTTP_URL" USER_PRIVATE_KEY="$PRIV" SXT_ALLOW_HTTP=1 "$bin" "$BEARER_USER"
    bearer_one https API_URL="$HTTPS_URL" USER_PRIVATE_KEY="$PRIV" SXT_CA_CERT="$CA_FILE" "$bin" "$BEARER_TLS_USER"
    bearer_one wrong-key API_URL="$HTTP_URL" USER_PRIVATE_KEY=Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2Yc= \
        SXT_ALLOW_HTTP=1 "$bin" "$BEARER_USER"
    bearer_one insecure API_URL="$HTTP_URL" USER_PRIVATE_KEY="$PRIV" "$bin" "$BEARER_USER"
    bearer_one bad-timeout API_URL="$HTTP_URL" USER_PRIVATE_KEY="$PRIV" SXT_ALLOW_HTTP=1 SXT_TIMEOUT_MS=0 "$bin" "$BEARER_USER"
    bearer_one no-key API_URL="$HTTP_URL" "$bin" "$BEARER_USER"
    bearer_one usage API_URL="$HTTP_URL" USER_PRIVATE_KEY="$PRIV" "$bin"
}
if [ -x "$OUT/examples-asan/bearer" ] && [ -x "$OUT/c-reference/bearer" ] && [ -s "$E2E/cpp/users" ]; then
    BEARER_USER=$(sed -n 1p "$E2E/cpp/users")
    BEARER_TLS_USER=$(sed -n 2p "$E2E/cpp/users")
    bearer_runs cpp "$OUT/examples-asan/bearer"
    bearer_runs c "$OUT/c-reference/bearer"
    B=$E2E/bearer-cpp
    for name in ok https; do
        check "bearer ($name): exit 0, one 'Authorization: Bearer <token>' line" \
            bash -c '[ "$(cat "$1.rc")" -eq 0 ] && [ "$(wc -l <"$1.out")" -eq 1 ] &&
                     grep -Eqx "Authorization: Bearer [^ ]+" "$1.out"' _ "$B/$name"
    done
    check "bearer | curl -H @- reaches auth/validtoken as the user" \
        bash -c 'curl -sf -H @- "$1/v1/auth/validtoken" <"$2" | grep -qF "\"userId\":\"$3\""' \
        _ "$HTTP_URL" "$B/ok.out" "$BEARER_USER"
    check "bearer with another key: exit 1, nothing on stdout, the server's refusal on stderr" \
        bash -c '[ "$(cat "$1.rc")" -eq 1 ] && [ ! -s "$1.out" ] &&
                 grep -q "^Error: signing in failed: .*(SXT_STATUS_BAD_REQUEST)$" "$1.err"' _ "$B/wrong-key"
    check "bearer: http refused without SXT_ALLOW_HTTP; a zero deadline refused" \
        bash -c 'grep -q SXT_STATUS_INSECURE_URL "$1/insecure.err" &&
                 grep -q "setting up the deadline failed.*SXT_STATUS_INVALID_ARGUMENT" "$1/bad-timeout.err"' _ "$B"
    check "bearer: no sanitizer report on any path" bash -c '! grep -lE "^==[0-9]+==|Sanitizer|runtime error:" "$1"/*.err' _ "$B"
    for rcfile in "$E2E"/bearer-c/*.rc; do
        name=$(basename "$rcfile" .rc)
        check "bearer $name: same exit status and stderr as the C example (stdout: a token each)" \
            bash -c 'n() { sed -e "s/Bearer .*/Bearer TOKEN/" -e "s/^usage: [^ ]* /usage: PROGRAM /" "$1"; }
                     [ "$(cat "$1/$3.rc")" = "$(cat "$2/$3.rc")" ] && diff <(n "$1/$3.err") <(n "$2/$3.err") &&
                     diff <(n "$1/$3.out") <(n "$2/$3.out")' \
            _ "$E2E/bearer-cpp" "$E2E/bearer-c" "$name"
    done
else
    fail "bearer: the C++ and C programs and the registered users are needed"
fi

# ---- valgrind: the static examples --------------------------------------------------------------------------
if [ "$HAVE_VALGRIND" = yes ]; then
    section "examples/cpp under valgrind, static library"
    if build_examples "$OUT/examples-static" static -g -O1; then
        linkage_checks "$OUT/examples-static/register_authenticate" static no
        check "keygen under valgrind" bash -c '"${@:2}" "$1/keygen" >/dev/null 2>"$1/keygen.valgrind.err"' _ \
            "$OUT/examples-static" "${VALGRIND[@]}"
        VG=$E2E/valgrind
        mkdir -p "$VG"
        cp "$E2E/cpp/https/.env" "$VG/.env"
        for run in new existing; do
            (cd "$VG" && "${VALGRIND[@]}" "$OUT/examples-static/register_authenticate" "example-vg-$$") \
                >"$VG/$run.out" 2>"$VG/$run.err"
            check "register_authenticate under valgrind over https ($run user): exit 0, token, clean" \
                bash -c '[ "$1" -eq 0 ] && grep -Eq "^Access token: .+" "$2" && ! grep -q "^==[0-9]*==" "$3"' \
                _ $? "$VG/$run.out" "$VG/$run.err"
        done
        (cd "$VG" && JOINCODE=NOT-A-TEAM "${VALGRIND[@]}" "$OUT/examples-static/register_authenticate" \
            "example-vg-new-$$") >"$VG/fail.out" 2>"$VG/fail.err"
        check "register_authenticate under valgrind, refused by the server: exit 1, clean" \
            bash -c '[ "$1" -eq 1 ] && grep -q "HTTP status: 400" "$2" && ! grep -q "^==[0-9]*==" "$2"' _ $? "$VG/fail.err"
    fi
fi

finish
