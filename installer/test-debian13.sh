#!/usr/bin/env bash
# The Debian 13 (trixie) leg of CI: builds and tests Fabulist inside a minimal trixie root made
# with debootstrap, where Qt 6.8, KF6 SyntaxHighlighting and a newer Mesa are available.
#
# The root is cached under /var/cache/fabulist (outside the clone) and made anew whenever
# installer/install-deps.sh changes, so a package removed from that script really disappears.
# The source tree (and ../shared beside it, read-only) is bind-mounted, and installer/test.sh
# runs inside, then installer/package.sh and installer/package-check.sh (the .deb leg). Every mount is undone on exit, also on failure or interrupt.
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared=$(cd "$src/.." && pwd)/shared
cache=${FABULIST_DEBIAN13_CACHE:-/var/cache/fabulist}
root=$cache/debian13-root
mirror=$("$src/installer/apt-mirror.sh") # the host apt's archive, or FABULIST_DEBIAN_MIRROR
log() { printf 'debian13: %s\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
  log "needs root for debootstrap, mounts and chroot; re-running with sudo"
  exec sudo --preserve-env=CI,FABULIST_DEBIAN13_CACHE,FABULIST_DEBIAN_MIRROR "$0" "$@"
fi

# debootstrap on the host (Debian's own package; the host's other needs come from install-deps).
if ! command -v debootstrap >/dev/null 2>&1; then
  log "installing debootstrap on the host"
  DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=900 update
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=900 debootstrap
fi

# Mount points below $root that are currently mounted, deepest first.
mounts_below() {
  awk -v r="$1" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/self/mounts | sort -r
}

unmount_all() {
  local m
  for m in $(mounts_below "$root"); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "could not unmount $m"
  done
}

# Deleting a root that still has the source bind-mounted inside would delete the source, so
# refuse unless nothing is mounted below it, and never cross into another file system.
remove_root() {
  unmount_all
  if [ -n "$(mounts_below "$root")" ]; then
    log "refusing to delete $root: something is still mounted inside it"
    exit 1
  fi
  rm -rf --one-file-system "$root"
}

stamp_value=$( (cat "$src/installer/install-deps.sh"; echo "trixie minbase $mirror") | sha256sum | cut -d' ' -f1)
stamp_file=$root/.fabulist-stamp

if [ ! -f "$stamp_file" ] || [ "$(cat "$stamp_file")" != "$stamp_value" ]; then
  [ -d "$root" ] && log "install-deps.sh changed (or the cache is incomplete): making a new root"
  [ -d "$root" ] && remove_root
  mkdir -p "$cache"
  start=$(date +%s)
  log "debootstrap trixie (minbase) into $root"
  debootstrap --variant=minbase --include=ca-certificates trixie "$root.new" "$mirror" \
    > "$cache/debootstrap.log" 2>&1 || { log "debootstrap failed; see $cache/debootstrap.log"; tail -20 "$cache/debootstrap.log"; rm -rf --one-file-system "$root.new"; exit 1; }
  mv "$root.new" "$root"
  log "debootstrap took $(( $(date +%s) - start )) s"
  echo "$stamp_value" > "$stamp_file"
else
  log "reusing cached root $root"
fi

cleanup() {
  local rc=$?
  unmount_all
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A leftover mount from an earlier run that was killed hard is undone first.
unmount_all

mkdir -p "$root/src/fabulist" "$root/src/shared" "$root/proc" "$root/sys" "$root/dev" "$root/tmp"
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --make-rslave "$root/sys"
mount --rbind /dev "$root/dev"
mount --make-rslave "$root/dev"
mount -t tmpfs tmpfs "$root/tmp"
mount --bind "$src" "$root/src/fabulist"
if [ -d "$shared" ]; then
  mount --bind "$shared" "$root/src/shared"
  mount -o remount,bind,ro "$root/src/shared"
else
  log "warning: $shared does not exist; the reference-data tests will fail and say so"
fi
cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
# Keep the host's apt settings about release-file dates (mirrors can be snapshots).
for f in /etc/apt/apt.conf.d/99artifact-registry; do
  [ -f "$f" ] && cp "$f" "$root/etc/apt/apt.conf.d/" || true
done

# What runs inside: installer/test.sh, then the .deb is built and checked (installed, used and
# purged again, so the cached root stays clean); or FABULIST_DEBIAN13_COMMAND (e.g. to debug).
inner=${FABULIST_DEBIAN13_COMMAND:-'installer/test.sh && deb=$(installer/package.sh) && installer/package-check.sh "$deb"'}
env_vars=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
  LANG=C.UTF-8 TERM="${TERM:-dumb}" FABULIST_BUILD_DIR=/var/tmp/fabulist-build)
for v in CI FABULIST_KILL_ROUNDS FABULIST_FUZZ_SECONDS FABULIST_JOBS FABULIST_TEST_JOBS; do
  [ -n "${!v:-}" ] && env_vars+=("$v=${!v}")
done

log "running '$inner' inside Debian 13"
start=$(date +%s)
rc=0
chroot "$root" /usr/bin/env -i "${env_vars[@]}" bash -c "cd /src/fabulist && $inner" || rc=$?
# On success CTest's summary stays the last thing printed; a failure says where it happened.
[ $rc -eq 0 ] || log "inside Debian 13: exit $rc after $(( $(date +%s) - start )) s"
exit $rc
