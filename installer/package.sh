#!/usr/bin/env bash
# Builds Fabulist's .deb with CPack from the Release build in FABULIST_BUILD_DIR (default build/),
# reusing what is already built. The package is made for the Debian release it is built on
# (its dependencies come from dpkg-shlibdeps there): build/fabulist_0.1.0-1~deb12_amd64.deb.
# Prints the path of the .deb as its last line.
set -euo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${FABULIST_BUILD_DIR:-$src/build}
log() { printf 'package: %s\n' "$*" >&2; }

for tool in cpack dpkg-shlibdeps rsvg-convert; do
  command -v "$tool" >/dev/null || { log "$tool is missing; run installer/install-deps.sh"; exit 1; }
done
if [ -f "$build/CMakeCache.txt" ] &&
   ! grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "$build/CMakeCache.txt"; then
  log "$build is not a Release build; a package is made only from one"
  exit 1
fi

# Only what the package holds; build.sh configures the directory when it is new.
"$src/installer/build.sh" fabulist fabulist-cli fabulist_icons fabulist_man >&2

start=$(date +%s)
# dpkg-shlibdeps names this release's library packages, as CPack's SHLIBDEPS option would; that
# option also needs the `file` tool, which a minimal Debian root lacks. It wants a debian/control.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/debian" && touch "$work/debian/control"
depends=$(cd "$work" && dpkg-shlibdeps -O "$build/app/fabulist" "$build/app/fabulist-cli" |
  sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { log "dpkg-shlibdeps found no dependencies of the binaries"; exit 1; }

rm -f "$build"/fabulist_*.deb
(cd "$build" && cpack -G DEB -D "CPACK_DEBIAN_PACKAGE_DEPENDS=$depends") >&2 ||
  { log "cpack failed (its log: $build/_CPack_Packages/Linux/DEB/)"; exit 1; }
deb=$(ls "$build"/fabulist_*.deb)
log "built $(basename "$deb") in $(( $(date +%s) - start )) s; $(du -h "$deb" | cut -f1)"
log "Depends: $(dpkg-deb -f "$deb" Depends)"
echo "$deb"
