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
log="$build/ctest-last.log"
set +e
# The `remote` label (a real llama-server in a Debian sid chroot) is installer/test-remote.sh's;
# the `gpu` label (an NVIDIA GPU and its driver) is tests/device/gpu-check.sh's, on a lent GPU.
ctest --output-on-failure -j "${FABULIST_TEST_JOBS:-$(nproc)}" -LE '^(remote|gpu)$' "$@" 2>&1 |
  tee "$log"
status=${PIPESTATUS[0]}
set -e

# A skipped suite is an untested one. With FABULIST_FAIL_ON_SKIP=1 (CI on the machine every
# suite must run on: lavapipe for Vulkan, a CPU with AVX2 and AVX-512), any skip fails the run,
# except the tests named in FABULIST_ALLOWED_SKIPS (space-separated).
skipped=$(sed -n 's/^[[:space:]]*[0-9]* - \([^ ]*\) (Skipped)$/\1/p' "$log")
if [ -n "$skipped" ] && [ "${FABULIST_FAIL_ON_SKIP:-0}" = 1 ]; then
  for test in $skipped; do
    case " ${FABULIST_ALLOWED_SKIPS:-} " in
      *" $test "*) ;;
      *) echo "test: $test was skipped, but it must run on this machine (see its SKIP line above)"
         status=1 ;;
    esac
  done
fi
exit "$status"
