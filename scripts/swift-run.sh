#!/usr/bin/env bash
# Run a command with the Swift toolchain available, in directory DIR.
#
#   scripts/swift-run.sh DIR -- CMD [ARGS...]
#   scripts/swift-run.sh bindings/swift -- swift test
#
# If `swift` is on PATH this is just `cd DIR && exec CMD ARGS...`.
# Otherwise (must run as root) the Debian trixie root from swift-root.sh is
# used: the git top-level of DIR is bind-mounted at the same absolute path
# inside it, /proc and /dev are mounted, and CMD runs there under chroot with a
# clean environment. The exit status is CMD's.
#
# Environment:
#   SXT_SWIFT_PASS_ENV  space-separated names of variables to pass into the
#                       chroot (e.g. "LD_LIBRARY_PATH RUST_LOG"); every
#                       variable whose name starts with SXT_ is passed too
#   SXT_SWIFT_BIND      space-separated extra host directories to bind-mount
#                       at the same path (e.g. a CARGO_TARGET_DIR outside the
#                       repository)
#   SXT_SWIFT_ROOT      cache directory of the root (see swift-root.sh)
#   SXT_SWIFT_NO_UNSHARE  if non-empty, do not use a private mount namespace
#
# Mounts are made in a private mount namespace (unshare) when possible, so
# they are invisible to the host, vanish even if the run is killed, and
# concurrent runs do not interfere. Without unshare, runs are serialized with
# a lock and everything mounted is unmounted on exit.
set -euo pipefail

CHROOT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

log() { printf 'swift-run: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 2; }
usage() { die "usage: $0 DIR -- CMD [ARGS...]"; }

# mounts_under DIR, unmount_under DIR
# shellcheck source-path=SCRIPTDIR source=lib/mounts.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/mounts.sh"

# Unmount the given mount points and everything below them.
# shellcheck disable=SC2317 # called from the EXIT trap
unmount_in_root() {
  local sub
  for sub in "$@"; do
    unmount_under "$sub" || {
      log "could not unmount everything below $sub:"
      mounts_under "$sub" >&2
      return 1
    }
  done
}

# Create $ROOT$1 as a directory and make sure it resolves to itself, i.e. no
# symlink inside the root sends it elsewhere (possibly onto the host).
mount_point() {
  local target=$ROOT$1
  mkdir -p "$target"
  [[ $(realpath -e "$target") == "$target" ]] ||
    die "$target does not resolve to itself (symlink inside the root?)"
}

# Mount what the command needs; records mount points in MOUNTED (outermost
# first). Works the same inside a private namespace and on the host.
MOUNTED=()
setup_mounts() {
  local d
  mount_point /proc
  mount -t proc proc "$ROOT/proc"
  MOUNTED+=("$ROOT/proc")

  mount_point /dev
  mount --rbind /dev "$ROOT/dev"
  MOUNTED+=("$ROOT/dev")
  mount --make-rslave "$ROOT/dev"

  for d in "$TOP" "${EXTRA_BINDS[@]}"; do
    mount_point "$d"
    mount --bind "$d" "$ROOT$d"
    MOUNTED+=("$ROOT$d")
  done

  # Keep name resolution in step with the host.
  if [[ -f /etc/resolv.conf ]] && ! cmp -s /etc/resolv.conf "$ROOT/etc/resolv.conf"; then
    local tmp
    tmp=$(mktemp "$ROOT/etc/.resolv.conf.XXXXXX")
    cat /etc/resolv.conf >"$tmp"
    chmod 644 "$tmp"
    mv -f "$tmp" "$ROOT/etc/resolv.conf"
  fi
}

chroot_command() {
  local -a env=(HOME=/root "PATH=$CHROOT_PATH" LANG=C.UTF-8)
  local name
  for name in ${SXT_SWIFT_PASS_ENV:-}; do
    [[ $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "bad variable name in SXT_SWIFT_PASS_ENV: $name"
    [[ -v $name ]] && env+=("$name=${!name}")
  done
  while read -r name; do
    [[ $name == SXT_* ]] && env+=("$name=${!name}")
  done < <(compgen -e)
  # shellcheck disable=SC2016 # expanded by the inner bash
  CMDLINE=(chroot "$ROOT" /usr/bin/env -i "${env[@]}"
    /bin/bash -c 'cd -- "$1" && shift && exec "$@"' swift-run "$DIR" "${ARGV[@]}")
}

# ---------------------------------------------------------------------------
# Inner half: runs inside a private mount namespace (see below).
if [[ ${1-} == --in-namespace ]]; then
  shift
  ROOT=$1 TOP=$2 DIR=$3
  shift 3
  read -r -a EXTRA_BINDS <<<"${SXT_SWIFT_BIND:-}"
  ARGV=("$@")
  setup_mounts
  chroot_command
  exec "${CMDLINE[@]}"
fi

# ---------------------------------------------------------------------------
(($# >= 3)) || usage
DIR=$1
[[ $2 == -- ]] || usage
shift 2
ARGV=("$@")

[[ -d $DIR ]] || die "no such directory: $DIR"
DIR=$(cd -- "$DIR" && pwd -P)

if command -v swift >/dev/null 2>&1; then
  cd -- "$DIR"
  exec "${ARGV[@]}"
fi

[[ $(id -u) -eq 0 ]] || die "swift is not on PATH; running it in a chroot needs root"

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$("$HERE/swift-root.sh" | tail -n 1)
[[ -n $ROOT && -f $ROOT/.sxt-ready ]] || die "swift-root.sh did not produce a usable root"
ROOT=$(cd -- "$ROOT" && pwd -P)

if ! TOP=$(git -c safe.directory='*' -C "$DIR" rev-parse --show-toplevel 2>/dev/null) || [[ -z $TOP ]]; then
  log "warning: $DIR is not inside a git work tree; binding only $DIR"
  TOP=$DIR
fi
TOP=$(cd -- "$TOP" && pwd -P)

read -r -a EXTRA_BINDS <<<"${SXT_SWIFT_BIND:-}"
for d in "$TOP" "${EXTRA_BINDS[@]}"; do
  [[ $d == /* && -d $d ]] || die "not an existing absolute directory: $d"
  [[ $d != / ]] || die "refusing to bind-mount / into the root"
  [[ $ROOT != "$d" && $ROOT != "$d"/* ]] || die "the Swift root $ROOT must not be inside $d"
  [[ $d != "$ROOT"/* ]] || die "$d is inside the Swift root"
done

# Preferred: private mount namespace. Everything mounted there disappears with
# the last process in it, and is never visible to the host or to other runs.
if [[ -z ${SXT_SWIFT_NO_UNSHARE:-} ]] &&
  unshare --mount --propagation private -- true 2>/dev/null; then
  exec unshare --mount --propagation private -- \
    /bin/bash "$HERE/$(basename -- "${BASH_SOURCE[0]}")" --in-namespace "$ROOT" "$TOP" "$DIR" "${ARGV[@]}"
fi

# Fallback: mount on the host, one run at a time, unmount on exit.
exec 9>"$ROOT/.sxt-run.lock"
if ! flock -n 9; then
  log "waiting for another run using $ROOT"
  flock 9
fi

# Holding the lock, anything still mounted in the root is left over from a
# run that was killed; clear it before mounting again.
stale=$(mounts_under "$ROOT" | grep -vxF -- "$ROOT" || true)
if [[ -n $stale ]]; then
  log "unmounting leftovers of an earlier run:"
  printf '%s\n' "$stale" >&2
  while read -r m; do
    unmount_under "$m" || die "could not unmount $m"
  done <<<"$stale"
fi

CHILD=
SIGNAL_RC=
# shellcheck disable=SC2317 # trap handlers
cleanup() {
  local rc=$? i
  trap - EXIT HUP INT TERM
  [[ -n $SIGNAL_RC ]] && rc=$SIGNAL_RC
  for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
    unmount_in_root "${MOUNTED[i]}" || rc=1
  done
  exit "$rc"
}
# On a signal: before the command runs, just exit (and unmount); while it
# runs, pass the signal on as TERM (a background job ignores INT) and unmount
# only once it has exited.
# shellcheck disable=SC2317 # trap handler
on_signal() {
  SIGNAL_RC=$1
  if [[ -n $CHILD ]]; then
    kill -TERM "$CHILD" 2>/dev/null || true
  else
    exit "$1"
  fi
}
trap cleanup EXIT
trap 'on_signal 129' HUP
trap 'on_signal 130' INT
trap 'on_signal 143' TERM

setup_mounts
chroot_command
# In the background so that signals reach the traps at once; stdin is passed
# on explicitly (a background job would otherwise get /dev/null).
"${CMDLINE[@]}" 9>&- <&0 &
CHILD=$!
while :; do
  rc=0
  wait "$CHILD" || rc=$?
  kill -0 "$CHILD" 2>/dev/null || break
done
exit "$rc"
