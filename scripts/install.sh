#!/usr/bin/env bash
# Builds the release library and installs it for C and C++ users:
#
#   PREFIX/lib/libsxt_auth.so.X.Y.Z      the shared library (SONAME libsxt_auth.so.X, X the ABI major)
#   PREFIX/lib/libsxt_auth.so.X          -> libsxt_auth.so.X.Y.Z (what programs load)
#   PREFIX/lib/libsxt_auth.so            -> libsxt_auth.so.X (what the linker finds for -lsxt_auth)
#   PREFIX/lib/libsxt_auth.a             the static library (link it with -lpthread -ldl -lm)
#   PREFIX/include/sxt_auth.h            the header
#   PREFIX/include/sxt_auth.hpp          the header-only C++17 wrapper over it
#   PREFIX/lib/pkgconfig/sxt-auth.pc     pkg-config metadata, generated from sxt-auth.pc.in
#   PREFIX/lib/pkgconfig/sxt-auth-static.pc   the same for linking libsxt_auth.a (from sxt-auth-static.pc.in)
#
# Usage:
#   scripts/install.sh [PREFIX]          PREFIX defaults to $PREFIX, then /usr/local
#   DESTDIR=/tmp/stage scripts/install.sh /usr    stages the files under /tmp/stage/usr (for packaging);
#                                                 the .pc file still says prefix=/usr
# Environment: CARGO (default cargo), CARGO_TARGET_DIR (where cargo builds), SXT_INSTALL_NO_BUILD=1 to install
# what target/release already holds.
#
# Then, with PKG_CONFIG_PATH=PREFIX/lib/pkgconfig when PREFIX is not a default pkg-config location:
#   cc app.c $(pkg-config --cflags --libs sxt-auth)        shared (libsxt_auth.so must be on the loader path)
#   cc app.c $(pkg-config --cflags sxt-auth) $(pkg-config --static --libs sxt-auth | sed 's/-lsxt_auth/-l:libsxt_auth.a/')
#                                                          static (no run-time dependency on libsxt_auth.so)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PREFIX=${1:-${PREFIX:-/usr/local}}
DESTDIR=${DESTDIR:-}
CARGO=${CARGO:-cargo}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
RELEASE=$TARGET_DIR/release

case "$PREFIX" in
    /*) ;;
    *) echo "install.sh: PREFIX must be an absolute path (got '$PREFIX')" >&2; exit 2 ;;
esac
PREFIX=${PREFIX%/}
[ -n "$PREFIX" ] || PREFIX=/

VERSION=$(bash "$ROOT/scripts/version.sh")
if [ -z "$VERSION" ]; then
    echo "install.sh: cannot read the package version from Cargo.toml" >&2
    exit 1
fi

if [ "${SXT_INSTALL_NO_BUILD:-0}" != 1 ]; then
    (cd "$ROOT" && "$CARGO" build --release -p sxt-auth --lib)
fi
for f in "$RELEASE/libsxt_auth.so" "$RELEASE/libsxt_auth.a" "$ROOT/include/sxt_auth.h" "$ROOT/include/sxt_auth.hpp" \
    "$ROOT/sxt-auth.pc.in" "$ROOT/sxt-auth-static.pc.in"; do
    if [ ! -f "$f" ]; then
        echo "install.sh: missing $f" >&2
        exit 1
    fi
done

LIB="$DESTDIR$PREFIX/lib"
INC="$DESTDIR$PREFIX/include"
PC="$LIB/pkgconfig"
install -d "$LIB" "$INC" "$PC"
MAJOR=${VERSION%%.*}
install -m 0755 "$RELEASE/libsxt_auth.so" "$LIB/libsxt_auth.so.$VERSION"
ln -sfn "libsxt_auth.so.$VERSION" "$LIB/libsxt_auth.so.$MAJOR"
ln -sfn "libsxt_auth.so.$MAJOR" "$LIB/libsxt_auth.so"
install -m 0644 "$RELEASE/libsxt_auth.a" "$LIB/libsxt_auth.a"
install -m 0644 "$ROOT/include/sxt_auth.h" "$INC/sxt_auth.h"
install -m 0644 "$ROOT/include/sxt_auth.hpp" "$INC/sxt_auth.hpp"
# `|` as the sed delimiter: prefixes are paths. Characters special to sed in PREFIX are escaped.
prefix_escaped=$(printf '%s' "$PREFIX" | sed -e 's/[\\|&]/\\&/g')
for pc in sxt-auth sxt-auth-static; do
    sed -e "s|@PREFIX@|$prefix_escaped|g" -e "s|@VERSION@|$VERSION|g" "$ROOT/$pc.pc.in" >"$PC/$pc.pc.tmp"
    chmod 0644 "$PC/$pc.pc.tmp"
    mv "$PC/$pc.pc.tmp" "$PC/$pc.pc"
done

echo "installed sxt-auth $VERSION into $DESTDIR$PREFIX:"
echo "  $LIB/libsxt_auth.so.$VERSION (links: libsxt_auth.so.$MAJOR, libsxt_auth.so)"
echo "  $LIB/libsxt_auth.a"
echo "  $INC/sxt_auth.h"
echo "  $INC/sxt_auth.hpp"
echo "  $PC/sxt-auth.pc"
echo "  $PC/sxt-auth-static.pc"
