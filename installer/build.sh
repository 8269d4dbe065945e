#!/usr/bin/env bash
# Configures (once) and builds Fabulist in Release mode. Used by run.sh, test.sh and package.sh.
# `build.sh TARGET...` builds only those targets (default: everything).
# FABULIST_BUILD_DIR overrides the build directory (default: build/ in the source tree).
set -euo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${FABULIST_BUILD_DIR:-$src/build}
jobs=${FABULIST_JOBS:-$(nproc)}

if [ ! -f "$build/build.ninja" ]; then
  echo "build: configuring in $build"
  cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release ${FABULIST_CMAKE_ARGS:-}
fi
echo "build: compiling with $jobs jobs"
cmake --build "$build" -j "$jobs" ${1:+--target "$@"}
