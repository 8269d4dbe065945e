#!/usr/bin/env bash
# Makes (once) a Debian sid root with Debian's llama.cpp-tools (llama-completion, llama-bench,
# llama-server: only Debian unstable packages them) and prints its path. Needs root and, the
# first time, ~300 MB from the machine's own Debian mirror (installer/apt-mirror.sh).
# Used by tests/bench/llama-cpp-crosscheck.sh and tests/remote/llama-server.sh.
#   FABULIST_LLAMA_ROOT   where the root is kept (default /var/cache/fabulist/sid-llama-root)
set -euo pipefail
sid="${FABULIST_LLAMA_ROOT:-/var/cache/fabulist/sid-llama-root}"
if [[ ! -x "$sid/usr/bin/llama-server" || ! -x "$sid/usr/bin/llama-completion" ]]; then
  [[ $(id -u) == 0 ]] || { echo "sid-llama-root.sh: needs root (debootstrap, chroot)" >&2; exit 1; }
  command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap >&2
  mkdir -p "$sid"
  echo "sid-llama-root: making a Debian sid root in $sid (once)" >&2
  if [[ ! -x "$sid/usr/bin/apt-get" ]]; then
    debootstrap --variant=minbase sid "$sid" "$("$(dirname "${BASH_SOURCE[0]}")/apt-mirror.sh")" >&2
  fi
  # The mirror's sid Release file may be past its Valid-Until; the packages are still signed.
  chroot "$sid" apt-get -o Acquire::Check-Valid-Until=false update -qq >&2
  DEBIAN_FRONTEND=noninteractive chroot "$sid" apt-get install -y -qq --no-install-recommends \
    llama.cpp-tools >&2
fi
echo "$sid"
