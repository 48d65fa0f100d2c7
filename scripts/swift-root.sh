#!/usr/bin/env bash
# Ensure a cached Debian 13 (trixie) root containing the Swift toolchain
# (package `swiftlang`) exists, and print its path as the last line on stdout.
# Everything else (progress, tool output) goes to stderr.
#
#   scripts/swift-root.sh            # -> /var/cache/sxt-auth/swift-trixie
#
# Environment:
#   SXT_SWIFT_ROOT      cache directory (default /var/cache/sxt-auth/swift-trixie);
#                       must be outside the repository
#   SXT_DEBIAN_MIRROR   Debian mirror to use; by default it is read from the
#                       machine's own apt sources
#
# Must run as root. Safe to run concurrently (a lock serializes builds) and
# cheap once the root exists (only the marker file is checked).
set -euo pipefail

SUITE=trixie
PACKAGES=(swiftlang gcc libc6-dev pkg-config)
MARKER=.sxt-ready
CHROOT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

CACHE=${SXT_SWIFT_ROOT:-/var/cache/sxt-auth/swift-trixie}
while [[ $CACHE == */ && $CACHE != / ]]; do CACHE=${CACHE%/}; done

# Keep the real stdout on fd 3 for the final path; everything else to stderr.
exec 3>&1 1>&2

log() { printf 'swift-root: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

case $CACHE in
  /) die "refusing to use / as the cache directory" ;;
  /*) ;;
  *) die "SXT_SWIFT_ROOT must be an absolute path (got '$CACHE')" ;;
esac

if [[ -f $CACHE/$MARKER ]]; then
  printf '%s\n' "$CACHE" >&3
  exit 0
fi

[[ $(id -u) -eq 0 ]] || die "must run as root (debootstrap, chroot and mount need it)"

# ---------------------------------------------------------------------------
# Mount-safe deletion helpers.

# mounts_under DIR, unmount_under DIR
# shellcheck source-path=SCRIPTDIR source=lib/mounts.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/mounts.sh"

# Delete a directory tree, but only after making sure nothing is mounted in it.
safe_remove() {
  local dir=$1
  [[ -e $dir ]] || return 0
  if ! unmount_under "$dir"; then
    log "refusing to delete $dir: still has mounts:"
    mounts_under "$dir" >&2
    return 1
  fi
  rm -rf --one-file-system -- "$dir"
}

# ---------------------------------------------------------------------------
# Host configuration.

host_codename() {
  local VERSION_CODENAME=''
  # shellcheck disable=SC1091
  [[ -r /etc/os-release ]] && . /etc/os-release
  printf '%s\n' "${VERSION_CODENAME:-}"
}

# Print "PRIORITY URI" for every enabled `deb` source of the host whose
# components include main. PRIORITY 0: suite is the host's codename; 1: a
# suite without a dash (stable, testing, ...); 2: anything else.
host_deb_sources() {
  local codename=$1
  local -a onelines=() deb822s=()
  [[ -f /etc/apt/sources.list ]] && onelines+=(/etc/apt/sources.list)
  local f
  for f in /etc/apt/sources.list.d/*.list; do [[ -f $f ]] && onelines+=("$f"); done
  for f in /etc/apt/sources.list.d/*.sources; do [[ -f $f ]] && deb822s+=("$f"); done

  if ((${#onelines[@]})); then
    awk -v cn="$codename" '
      function prio(s) { return s == cn ? 0 : (s ~ /-/ ? 2 : 1) }
      {
        sub(/#.*/, "")
        if ($1 != "deb") next
        line = $0
        sub(/^[ \t]*deb[ \t]+/, "", line)
        if (line ~ /^\[/) sub(/^\[[^]]*\][ \t]*/, "", line)
        n = split(line, f, /[ \t]+/)
        if (n < 3) next
        main = 0
        for (i = 3; i <= n; i++) if (f[i] == "main") main = 1
        if (main) print prio(f[2]), f[1]
      }' "${onelines[@]}"
  fi

  if ((${#deb822s[@]})); then
    # One file at a time so paragraphs never run across files.
    for f in "${deb822s[@]}"; do
      awk -v cn="$codename" '
        function prio(s) { return s == cn ? 0 : (s ~ /-/ ? 2 : 1) }
        function flush(   nt, t, isdeb, i, nu, u, ns, s, nc, c, main, j, k) {
          if (!("uris" in fld)) { delete fld; return }
          isdeb = !("types" in fld)
          nt = split(fld["types"], t, /[ \t]+/)
          for (i = 1; i <= nt; i++) if (t[i] == "deb") isdeb = 1
          if (tolower(fld["enabled"]) ~ /^(no|false|0)$/) isdeb = 0
          nc = split(fld["components"], c, /[ \t]+/)
          main = 0
          for (i = 1; i <= nc; i++) if (c[i] == "main") main = 1
          if (isdeb && main) {
            nu = split(fld["uris"], u, /[ \t]+/)
            ns = split(fld["suites"], s, /[ \t]+/)
            for (j = 1; j <= ns; j++)
              for (k = 1; k <= nu; k++)
                if (u[k] != "" && s[j] != "") print prio(s[j]), u[k]
          }
          delete fld
        }
        /^#/ { next }
        /^[ \t]*$/ { flush(); key = ""; next }
        /^[ \t]/ { if (key != "") fld[key] = fld[key] " " $0; next }
        {
          p = index($0, ":")
          if (!p) next
          key = tolower(substr($0, 1, p - 1))
          val = substr($0, p + 1)
          gsub(/^[ \t]+|[ \t]+$/, "", val)
          fld[key] = val
        }
        END { flush() }' "$f"
    done
  fi
}

url_ok() {
  if command -v wget >/dev/null 2>&1; then
    wget -q --spider --tries=2 --timeout=20 "$1"
  elif command -v curl >/dev/null 2>&1; then
    curl -fsSIL --retry 1 --max-time 20 -o /dev/null "$1"
  else
    return 0 # nothing to check with; debootstrap will tell
  fi
}

find_mirror() {
  if [[ -n ${SXT_DEBIAN_MIRROR:-} ]]; then
    printf '%s\n' "$SXT_DEBIAN_MIRROR"
    return 0
  fi
  local -a cands=()
  mapfile -t cands < <(host_deb_sources "$(host_codename)" |
    awk '$2 ~ /^(https?|ftp|file):/ { sub(/\/+$/, "", $2); print }' |
    sort -s -n -k1,1 | awk '!seen[$2]++ { print $2 }')
  ((${#cands[@]})) || die "no Debian mirror found in /etc/apt/sources.list{,.d/} (set SXT_DEBIAN_MIRROR)"
  local uri
  for uri in "${cands[@]}"; do
    if url_ok "$uri/dists/$SUITE/Release"; then
      printf '%s\n' "$uri"
      return 0
    fi
    log "mirror candidate $uri does not serve $SUITE"
  done
  die "none of the host's apt mirrors serves $SUITE: ${cands[*]}"
}

# Write the host's network-related apt settings (proxies, TLS/CA options,
# Release date checks, retries) into the chroot, and copy CA files they name.
replicate_apt_config() {
  local root=$1
  local conf=$root/etc/apt/apt.conf.d/00host-network
  apt-config dump 2>/dev/null |
    grep -E '^Acquire::((https?|ftp|socks)(::| )|Check-Valid-Until |Check-Date |Max-ValidTime |Retries |ForceIPv4 |ForceIPv6 |AllowInsecureRepositories |AllowWeakRepositories )' \
      >"$conf" || true
  if [[ -s $conf ]]; then
    log "host apt network settings copied into the root:"
    sed 's/^/    /' "$conf" >&2
  else
    rm -f "$conf"
  fi
  # Files referenced by CaInfo / SslCert / SslKey / CaPath options.
  local path
  while read -r path; do
    [[ $path == /* && -e $path && ! -e $root$path ]] || continue
    mkdir -p "$root$(dirname "$path")"
    cp -a "$path" "$root$path"
  done < <(apt-config dump 2>/dev/null |
    sed -nE 's/^Acquire::[^ ]*::(CaInfo|CaPath|SslCert|SslKey|IssuerCert) "([^"]*)";$/\2/p')
}

# Local CA certificates of the host (e.g. a TLS-intercepting egress proxy),
# plus CA bundles named by the usual environment variables if they live
# outside the standard location.
replicate_ca() {
  local root=$1 f var path
  if [[ -d /usr/local/share/ca-certificates ]]; then
    mkdir -p "$root/usr/local/share/ca-certificates"
    cp -a /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
    for f in /usr/local/share/ca-certificates/*; do
      [[ -e $f ]] && log "host CA copied: $f"
    done
  fi
  for var in SSL_CERT_FILE CURL_CA_BUNDLE REQUESTS_CA_BUNDLE GIT_SSL_CAINFO NODE_EXTRA_CA_CERTS PIP_CERT; do
    path=${!var:-}
    [[ $path == /* && -f $path && $path != /etc/ssl/certs/* ]] || continue
    mkdir -p "$root$(dirname "$path")"
    cp -aL "$path" "$root$path"
  done
}

# Environment for commands run inside the chroot while building it.
chroot_env() {
  local -a e=(HOME=/root "PATH=$CHROOT_PATH" LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive)
  local v
  for v in http_proxy https_proxy ftp_proxy no_proxy HTTP_PROXY HTTPS_PROXY FTP_PROXY NO_PROXY all_proxy ALL_PROXY; do
    [[ -n ${!v:-} ]] && e+=("$v=${!v}")
  done
  printf '%s\0' "${e[@]}"
}

in_root() {
  local root=$1
  shift
  local -a env=()
  mapfile -d '' -t env < <(chroot_env)
  chroot "$root" /usr/bin/env -i "${env[@]}" "$@"
}

# ---------------------------------------------------------------------------
# Build.

PARENT=$(dirname "$CACHE")
mkdir -p "$PARENT"

exec 9>"$CACHE.lock"
if ! flock -n 9; then
  log "another build of $CACHE is running; waiting for it"
  flock 9
fi

if [[ -f $CACHE/$MARKER ]]; then
  printf '%s\n' "$CACHE" >&3
  exit 0
fi

# Leftovers of interrupted builds (we hold the lock, so none is in progress).
for old in "$CACHE".tmp.* "$CACHE".old.*; do
  [[ -d $old ]] || continue
  log "removing leftover $old"
  safe_remove "$old"
done

start=$SECONDS

need=()
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
[[ -f /usr/share/keyrings/debian-archive-keyring.gpg ]] || need+=(debian-archive-keyring)
command -v gpgv >/dev/null 2>&1 || need+=(gpgv)
if ((${#need[@]})); then
  log "installing on the host: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" debootstrap wget </dev/null
fi

MIRROR=$(find_mirror)
log "using Debian mirror $MIRROR"

TMP=$(mktemp -d "$CACHE.tmp.XXXXXX")
chmod 755 "$TMP" # it becomes the root directory of the chroot
cleanup() {
  local rc=$?
  if [[ -n ${TMP:-} && -d $TMP ]]; then
    log "cleaning up unfinished $TMP"
    safe_remove "$TMP" || rc=1
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

log "debootstrap $SUITE into $TMP"
if ! debootstrap --variant=minbase --include=ca-certificates \
  --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
  "$SUITE" "$TMP" "$MIRROR" </dev/null; then
  [[ -f $TMP/debootstrap/debootstrap.log ]] && tail -n 30 "$TMP/debootstrap/debootstrap.log" >&2
  die "debootstrap failed"
fi
# debootstrap may leave mounts (e.g. /proc, /sys) behind in some setups.
unmount_under "$TMP" || die "could not unmount what debootstrap mounted in $TMP"
log "debootstrap done after $((SECONDS - start)) s"

rm -f "$TMP/etc/resolv.conf"
cp -L /etc/resolv.conf "$TMP/etc/resolv.conf"
replicate_apt_config "$TMP"
replicate_ca "$TMP"
# No daemons may be started by package scripts inside the root.
printf '#!/bin/sh\nexit 101\n' >"$TMP/usr/sbin/policy-rc.d"
chmod 755 "$TMP/usr/sbin/policy-rc.d"

mount -t proc proc "$TMP/proc"
in_root "$TMP" update-ca-certificates >/dev/null
log "installing ${PACKAGES[*]} in the root"
in_root "$TMP" apt-get update -qq </dev/null
in_root "$TMP" apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" </dev/null
in_root "$TMP" apt-get clean
version=$(in_root "$TMP" swift --version 2>&1 </dev/null) || {
  printf '%s\n' "$version" >&2
  die "swift does not run inside the root"
}
unmount_under "$TMP" || die "could not unmount $TMP/proc"
rm -f "$TMP/usr/sbin/policy-rc.d"

printf '%s\n' "$version" >"$TMP/$MARKER"
if [[ -e $CACHE ]]; then
  # A directory without the marker: not ours to trust; move it out of the way.
  aside=$(mktemp -d "$CACHE.old.XXXXXX")
  mv -T "$CACHE" "$aside/root"
  safe_remove "$aside"
fi
mv -T "$TMP" "$CACHE"
TMP=
log "ready after $((SECONDS - start)) s: $(head -n 1 "$CACHE/$MARKER")"
printf '%s\n' "$CACHE" >&3
