#!/usr/bin/env bash
# Prints the Debian archive this machine's apt uses (its first main-archive URI, not the security
# one), for the scripts that debootstrap a Debian root. FABULIST_DEBIAN_MIRROR overrides it. No
# address is written in any script: it comes from the machine's own apt configuration.
set -euo pipefail
if [ -n "${FABULIST_DEBIAN_MIRROR:-}" ]; then
  echo "$FABULIST_DEBIAN_MIRROR"
  exit 0
fi
uris() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] && sed -n 's/^[Uu][Rr][Ii][Ss]:[[:space:]]*//p' "$f" | tr ' ' '\n'
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -r "$f" ] && awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/) { print $i; break } }' "$f"
  done
}
mirror=$(uris 2>/dev/null | grep -v -e '-security' -e '^$' | grep -E '/debian/?$' | head -1 || true)
if [ -z "$mirror" ]; then
  echo "apt-mirror: no Debian archive found in /etc/apt/sources.list(.d); set FABULIST_DEBIAN_MIRROR" >&2
  exit 1
fi
echo "${mirror%/}"
