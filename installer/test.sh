#!/usr/bin/env bash
# One command to test Fabulist: installs what is missing, builds, and runs every test through
# CTest (GUI tests on Qt's offscreen platform). Exits non-zero on any failure; CTest's summary
# is the last thing printed.
set -euo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${FABULIST_BUILD_DIR:-$src/build}

"$src/installer/install-deps.sh"
"$src/installer/build.sh"

export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
cd "$build"
ctest --output-on-failure -j "${FABULIST_TEST_JOBS:-$(nproc)}" "$@"
