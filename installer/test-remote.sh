#!/usr/bin/env bash
# The remote leg of CI: the tests with the CTest label `remote` (the remote engine against
# Debian sid's real llama-server, run in a chroot on 127.0.0.1), which installer/test.sh leaves
# out. Needs root (debootstrap, chroot, mounts) and, the first time, ~300 MB of Debian packages
# (installer/sid-llama-root.sh makes the root once). Builds what is missing first. Prints the
# leg's time as JSON on the last line: {"root_s", "build_s", "tests_s", "total_s"}.
set -euo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${FABULIST_BUILD_DIR:-$src/build}
[ "$(id -u)" -eq 0 ] || { echo "test-remote: needs root (chroot into the sid root)" >&2; exit 1; }
t0=$(date +%s)
"$src/installer/sid-llama-root.sh" >/dev/null
t1=$(date +%s)
"$src/installer/build.sh"
t2=$(date +%s)
cd "$build"
log="$build/ctest-remote-last.log"
set +e
QT_QPA_PLATFORM=offscreen ctest --output-on-failure -L remote "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# Every test of this leg must run here: a skip is a failure.
if grep -q '(Skipped)' "$log"; then
  echo "test-remote: a remote test was skipped (see its SKIP line above)"
  status=1
fi
t3=$(date +%s)
echo "{\"root_s\": $((t1 - t0)), \"build_s\": $((t2 - t1)), \"tests_s\": $((t3 - t2)), \"total_s\": $((t3 - t0))}"
exit "$status"
