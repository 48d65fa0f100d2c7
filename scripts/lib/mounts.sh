# shellcheck shell=bash
# Mount helpers shared by swift-root.sh and swift-run.sh, which source this
# file; it is not meant to be run. Both functions only read /proc/mounts and
# call umount; neither deletes anything.

# Print mount points at or below $1 (decoded from /proc/mounts), deepest first.
mounts_under() {
  local dir=$1 _dev mnt _rest
  while read -r _dev mnt _rest; do
    mnt=$(printf '%b' "$mnt")
    if [[ $mnt == "$dir" || $mnt == "$dir"/* ]]; then
      printf '%s\n' "$mnt"
    fi
  done </proc/mounts | sort -r
}

# Unmount everything at or below $1, deepest first (lazily if a plain umount
# fails), in up to five passes. Succeeds only if nothing is left mounted there.
unmount_under() {
  local dir=$1 mnt _pass
  for _pass in 1 2 3 4 5; do
    local -a mnts=()
    mapfile -t mnts < <(mounts_under "$dir")
    ((${#mnts[@]})) || return 0
    for mnt in "${mnts[@]}"; do
      umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
    done
  done
  [[ -z $(mounts_under "$dir") ]]
}
