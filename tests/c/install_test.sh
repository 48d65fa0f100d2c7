#!/usr/bin/env bash
# Installs the library with scripts/install.sh into a temporary prefix and builds a small C program using only
# what pkg-config says: once against the shared library (run with LD_LIBRARY_PATH) and once statically
# (pkg-config --static --libs, with the .a). The program checks sxt_version() and sxt_keygen. Also checks
# DESTDIR staging, the PREFIX environment variable, and that a relative prefix is refused.
# Prints `N passed, N failed` last; exits non-zero on any failure. Work files: target/c-tests/install/.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
OUT=$TARGET_DIR/c-tests/install
CC=${CC:-cc}
PASSED=0
FAILED=0
pass() { PASSED=$((PASSED + 1)); printf 'ok   %s\n' "$*"; }
fail() { FAILED=$((FAILED + 1)); printf 'FAIL %s\n' "$*" >&2; printf 'FAIL %s\n' "$*"; }
check() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
finish() { printf '%d passed, %d failed\n' "$PASSED" "$FAILED"; [ "$FAILED" -eq 0 ]; exit $?; }

VERSION=$(bash "$ROOT/scripts/version.sh")
rm -rf "$OUT"
mkdir -p "$OUT"
PREFIX="$OUT/prefix"

# 1. Install (builds the release library).
if bash "$ROOT/scripts/install.sh" "$PREFIX" >"$OUT/install.log" 2>&1; then
    pass "scripts/install.sh '$PREFIX'"
else
    fail "scripts/install.sh '$PREFIX'"
    tail -n 40 "$OUT/install.log" >&2
    finish
fi
MAJOR=${VERSION%%.*}
for f in "lib/libsxt_auth.so.$VERSION" lib/libsxt_auth.a include/sxt_auth.h lib/pkgconfig/sxt-auth.pc lib/pkgconfig/sxt-auth-static.pc; do
    check "installed $f (a file)" bash -c '[ -f "$1" ] && [ ! -L "$1" ]' _ "$PREFIX/$f"
done
check "lib/libsxt_auth.so.$MAJOR links to libsxt_auth.so.$VERSION" \
    test "$(readlink "$PREFIX/lib/libsxt_auth.so.$MAJOR")" = "libsxt_auth.so.$VERSION"
check "lib/libsxt_auth.so links to libsxt_auth.so.$MAJOR" test "$(readlink "$PREFIX/lib/libsxt_auth.so")" = "libsxt_auth.so.$MAJOR"
check "the installed shared library's SONAME is libsxt_auth.so.$MAJOR" \
    bash -c 'readelf -d "$1" | grep -F "(SONAME)" | grep -qF "[libsxt_auth.so.$2]"' _ "$PREFIX/lib/libsxt_auth.so.$VERSION" "$MAJOR"
check "a plain cargo build gives the same SONAME" \
    bash -c 'readelf -d "$1" | grep -F "(SONAME)" | grep -qF "[libsxt_auth.so.$2]"' _ "$TARGET_DIR/release/libsxt_auth.so" "$MAJOR"
check "installed header is the repository's" cmp -s "$PREFIX/include/sxt_auth.h" "$ROOT/include/sxt_auth.h"
check "the installed shared library exports only sxt_* symbols" \
    bash -c 'nm -D --defined-only "$1" | awk "NF == 3 {print \$3}" | grep -v "^sxt_" | { ! grep -q .; }' _ "$PREFIX/lib/libsxt_auth.so.$VERSION"
check "the installed shared library exports sxt_login" \
    bash -c 'nm -D --defined-only "$1" | grep -q " T sxt_login$"' _ "$PREFIX/lib/libsxt_auth.so.$VERSION"

# 2. pkg-config metadata.
export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig"
check "pkg-config finds sxt-auth" pkg-config --exists sxt-auth
check "pkg-config version is Cargo.toml's ($VERSION)" test "$(pkg-config --modversion sxt-auth)" = "$VERSION"
check "pkg-config prefix is the install prefix" test "$(pkg-config --variable=prefix sxt-auth)" = "$PREFIX"
check "Libs.private has -lpthread -ldl -lm" \
    bash -c 'l=$(pkg-config --static --libs sxt-auth); for x in -lpthread -ldl -lm -lsxt_auth; do grep -qw -- "$x" <<<"$l" || exit 1; done'
check "pkg-config --libs (shared) does not add the private libraries" \
    bash -c '! pkg-config --libs sxt-auth | grep -qw -- -ldl'

# 3. A program that uses only pkg-config's flags.
cat >"$OUT/app.c" <<'CEOF'
#include <stdio.h>
#include <string.h>

#include <sxt_auth.h>

int main(void) {
    char *priv = NULL;
    char *pub = NULL;
    char *derived = NULL;
    sxt_error *err = NULL;
    int rc = 0;
    printf("version %s\n", sxt_version());
    if (strcmp(sxt_version(), SXT_VERSION_STRING) != 0) {
        fprintf(stderr, "library %s, header %s\n", sxt_version(), SXT_VERSION_STRING);
        rc = 1;
    }
    if (sxt_keygen(&priv, &pub, &err) != SXT_STATUS_OK) {
        fprintf(stderr, "sxt_keygen: %s\n", sxt_error_message(err));
        sxt_error_free(err);
        return 1;
    }
    if (strlen(priv) != 44 || strlen(pub) != 44 || sxt_key_public(priv, &derived, NULL) != SXT_STATUS_OK ||
        strcmp(derived, pub) != 0) {
        fprintf(stderr, "bad key pair\n");
        rc = 1;
    } else {
        printf("keygen ok\n");
    }
    sxt_string_free(priv);
    sxt_string_free(pub);
    sxt_string_free(derived);
    if (sxt_live_objects() != 0) {
        fprintf(stderr, "leaked library objects\n");
        rc = 1;
    }
    return rc;
}
CEOF
CFLAGS=(-std=c99 -Wall -Wextra -Wpedantic -Werror)

# Shared: exactly the flags pkg-config gives.
# shellcheck disable=SC2046
if "$CC" "${CFLAGS[@]}" "$OUT/app.c" $(pkg-config --cflags --libs sxt-auth) -o "$OUT/app-shared" 2>"$OUT/app-shared.log"
then
    pass "build with \$(pkg-config --cflags --libs sxt-auth)"
    check "the shared build needs libsxt_auth.so.$MAJOR (the SONAME, not the development link)" \
        bash -c 'readelf -d "$1" | grep -F "(NEEDED)" | grep -qF "[libsxt_auth.so.$2]"' _ "$OUT/app-shared" "$MAJOR"
    out=$(LD_LIBRARY_PATH="$PREFIX/lib" "$OUT/app-shared" 2>"$OUT/app-shared.err")
    rc=$?
    check "the shared build runs (LD_LIBRARY_PATH=PREFIX/lib)" test "$rc" -eq 0
    check "the shared build reports version $VERSION" grep -qx "version $VERSION" <<<"$out"
    check "the shared build's sxt_keygen works" grep -qx "keygen ok" <<<"$out"
    check "the shared build does not run without the library on the loader path" \
        bash -c '! env -u LD_LIBRARY_PATH "$1" >/dev/null 2>&1' _ "$OUT/app-shared"
    # What a distribution's runtime package holds: the library under its SONAME alone.
    mkdir -p "$OUT/runtime-only"
    cp "$PREFIX/lib/libsxt_auth.so.$VERSION" "$OUT/runtime-only/libsxt_auth.so.$MAJOR"
    out=$(LD_LIBRARY_PATH="$OUT/runtime-only" "$OUT/app-shared" 2>"$OUT/app-runtime-only.err")
    check "the shared build runs with only libsxt_auth.so.$MAJOR present" grep -qx "keygen ok" <<<"$out"
else
    fail "build with \$(pkg-config --cflags --libs sxt-auth)"
    cat "$OUT/app-shared.log" >&2
fi

# Static: pkg-config --static --libs, with the archive named instead of the shared library.
STATIC_LIBS=$(pkg-config --static --libs sxt-auth | sed 's/-lsxt_auth\b/-l:libsxt_auth.a/')
# shellcheck disable=SC2046,SC2086
if "$CC" "${CFLAGS[@]}" "$OUT/app.c" $(pkg-config --cflags sxt-auth) $STATIC_LIBS -o "$OUT/app-static" \
    2>"$OUT/app-static.log"; then
    pass "build with \$(pkg-config --static --libs sxt-auth) and libsxt_auth.a ($STATIC_LIBS)"
    check "the static build does not need libsxt_auth.so" \
        bash -c '! readelf -d "$1" | grep -q "NEEDED.*libsxt_auth"' _ "$OUT/app-static"
    out=$(env -u LD_LIBRARY_PATH "$OUT/app-static" 2>"$OUT/app-static.err")
    rc=$?
    check "the static build runs on its own" test "$rc" -eq 0
    check "the static build reports version $VERSION" grep -qx "version $VERSION" <<<"$out"
    check "the static build's sxt_keygen works" grep -qx "keygen ok" <<<"$out"
else
    fail "build with \$(pkg-config --static --libs sxt-auth) and libsxt_auth.a"
    cat "$OUT/app-static.log" >&2
fi

# The static form through its own .pc: no sed on the flags needed.
# shellcheck disable=SC2046
if "$CC" "${CFLAGS[@]}" "$OUT/app.c" $(pkg-config --cflags --libs sxt-auth-static) -o "$OUT/app-static-pc" \
    2>"$OUT/app-static-pc.log"; then
    pass "build with \$(pkg-config --cflags --libs sxt-auth-static)"
    check "the sxt-auth-static build does not need libsxt_auth.so" \
        bash -c '! readelf -d "$1" | grep -q "NEEDED.*libsxt_auth"' _ "$OUT/app-static-pc"
    check "the sxt-auth-static build runs on its own" bash -c 'env -u LD_LIBRARY_PATH "$1" | grep -qx "keygen ok"' _ "$OUT/app-static-pc"
else
    fail "build with \$(pkg-config --cflags --libs sxt-auth-static)"
    cat "$OUT/app-static-pc.log" >&2
fi

# 4. DESTDIR staging, PREFIX from the environment, a relative prefix (no rebuild: the release lib is there).
opt_existed=no
[ -e /opt/sxt-auth ] && opt_existed=yes
if DESTDIR="$OUT/stage" SXT_INSTALL_NO_BUILD=1 bash "$ROOT/scripts/install.sh" /opt/sxt-auth >"$OUT/stage.log" 2>&1; then
    pass "DESTDIR=... scripts/install.sh /opt/sxt-auth"
    for f in lib/libsxt_auth.so "lib/libsxt_auth.so.$MAJOR" "lib/libsxt_auth.so.$VERSION" lib/libsxt_auth.a include/sxt_auth.h lib/pkgconfig/sxt-auth.pc; do
        check "staged $f under DESTDIR" test -f "$OUT/stage/opt/sxt-auth/$f"
    done
    check "the staged .pc names the final prefix" grep -qx "prefix=/opt/sxt-auth" "$OUT/stage/opt/sxt-auth/lib/pkgconfig/sxt-auth.pc"
    if [ "$opt_existed" = no ]; then
        check "nothing was written outside DESTDIR" test ! -e /opt/sxt-auth
    fi
else
    fail "DESTDIR=... scripts/install.sh /opt/sxt-auth"
    cat "$OUT/stage.log" >&2
fi
if PREFIX="$OUT/env-prefix" SXT_INSTALL_NO_BUILD=1 bash "$ROOT/scripts/install.sh" >"$OUT/env-prefix.log" 2>&1; then
    check "PREFIX from the environment" test -f "$OUT/env-prefix/lib/pkgconfig/sxt-auth.pc"
    check "PREFIX from the environment lands in the .pc" grep -qx "prefix=$OUT/env-prefix" "$OUT/env-prefix/lib/pkgconfig/sxt-auth.pc"
else
    fail "PREFIX=... scripts/install.sh"
    cat "$OUT/env-prefix.log" >&2
fi
check "a relative prefix is refused" \
    bash -c '! SXT_INSTALL_NO_BUILD=1 bash "$1/scripts/install.sh" relative/prefix >/dev/null 2>&1' _ "$ROOT"

finish
