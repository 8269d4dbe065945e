#!/usr/bin/env bash
# One command to use Fabulist: installs what is missing, builds, and starts the app.
# The first start creates and opens a sample project; later starts reopen the last one.
# Without a display it says so and runs a headless check through fabulist-cli instead.
set -euo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${FABULIST_BUILD_DIR:-$src/build}

"$src/installer/install-deps.sh"
"$src/installer/build.sh"

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ "${QT_QPA_PLATFORM:-}" != offscreen ]; then
  echo
  echo "run: no display found (neither DISPLAY nor WAYLAND_DISPLAY is set), so the window cannot open."
  echo "run: running a headless check with fabulist-cli instead. To see the window, run this"
  echo "run: from a desktop session, or under a virtual display: xvfb-run installer/run.sh"
  cli="$build/app/fabulist-cli"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  "$cli" --version
  "$cli" project create "$tmp/check.fabulist"
  "$cli" project info "$tmp/check.fabulist"
  echo "run: the default model continues a sentence (fabulist-cli generate):"
  "$cli" generate -p "It was a cold morning in November when" -n 40 --temp 0.8 --top-p 0.95 --seed 1
  echo
  echo "run: headless check passed"
  exit 0
fi

exec "$build/app/fabulist" "$@"
