#!/usr/bin/env bash
# Runs Debian's llama-server (from the sid root of installer/sid-llama-root.sh) on
# 127.0.0.1:PORT with MODEL bind-mounted read-only, in a private mount namespace (the mounts
# vanish with the process; several servers can run at once). The server's own process replaces
# this script's, so killing the PID the caller started stops the server.
# Usage: tests/remote/llama-server.sh MODEL.gguf PORT [llama-server options...]
set -euo pipefail
[[ $# -ge 2 ]] || { echo "usage: llama-server.sh MODEL.gguf PORT [options...]" >&2; exit 2; }
model="$(readlink -f "$1")"
port="$2"
shift 2
[[ -r "$model" ]] || { echo "llama-server.sh: cannot read $model" >&2; exit 1; }
sid="$("$(dirname "${BASH_SOURCE[0]}")/../../installer/sid-llama-root.sh")"
exec unshare --mount --propagation private -- /bin/bash -euc '
  sid=$1 model=$2 port=$3; shift 3
  mount -t proc proc "$sid/proc"
  mount --bind /dev "$sid/dev"
  mkdir -p "$sid/models"
  mount --bind "$(dirname "$model")" "$sid/models"
  mount -o remount,bind,ro "$sid/models"
  exec chroot "$sid" llama-server -m "/models/$(basename "$model")" --host 127.0.0.1 \
    --port "$port" --no-webui "$@"' _ "$sid" "$model" "$port" "$@"
