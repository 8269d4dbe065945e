#!/usr/bin/env bash
# One-command accelerator check for a machine with a GPU: builds the Vulkan backend (and CUDA when
# nvcc is present) in its own build directory, runs the Vulkan (and CUDA) test executables, then
# `fabulist-cli bench --device vulkan --profile` on a synth model (text and --json, with the
# per-op profile), and writes one result file per step to $OUT (default ./gpu-check-out). Sized
# for under 8 minutes on one NVIDIA GPU with 16 cores: only the inference library, the device
# tests and fabulist-cli are built.
#
#   OUT=/path tests/device/gpu-check.sh            # on the GPU machine
#   OUT=/tmp/x FABULIST_VULKAN_ALLOW_CPU=1 tests/device/gpu-check.sh   # dry run on lavapipe
#
# GPU_CHECK_SHAPE: synth shape for the bench (default granite-1b-a400m; tiny-moe in a dry run),
# GPU_CHECK_TYPE: its weight type (default Q4_K_M), GPU_CHECK_BANDWIDTH_GBS: the GPU's peak
# memory bandwidth, passed to bench --bandwidth for the roofline fraction (e.g. 4800 for H200).
#
# Exit status: 0 when every step that ran passed; the files say which step failed and why.
set -u
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${OUT:-$PWD/gpu-check-out}"
export OUT
BUILD="${GPU_CHECK_BUILD_DIR:-$ROOT/build-gpu-check}"
JOBS="${JOBS:-$(nproc)}"
# The parity test reads llama.cpp's reference models (CTest sets this too).
export FABULIST_REFERENCE_DIR="${FABULIST_REFERENCE_DIR:-$ROOT/../shared/reference}"
mkdir -p "$OUT"
status=0
summary="$OUT/00-summary.txt"
: >"$summary"

# step NAME TIMEOUT_S COMMAND...: runs the command with a time limit, output to $OUT/NAME.txt.
step() {
    local name="$1" limit="$2"
    shift 2
    local start=$SECONDS
    { echo "\$ $*"; timeout "$limit" "$@"; } >"$OUT/$name.txt" 2>&1
    local rc=$?
    echo "$name: rc=$rc ($((SECONDS - start)) s)" | tee -a "$summary"
    [ $rc -eq 0 ] || status=1
    return $rc
}

step 01-host 30 bash -c 'uname -a; nproc; free -g; (nvidia-smi || echo "nvidia-smi: not found"); \
  (command -v vulkaninfo >/dev/null && vulkaninfo --summary || echo "vulkaninfo: not found"); \
  for t in cmake ninja glslc nvcc; do printf "%s: " $t; command -v $t || echo missing; done'

cuda=OFF
command -v nvcc >/dev/null 2>&1 && cuda=AUTO
if ! step 02-configure 120 cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DFABULIST_VULKAN=ON -DFABULIST_CUDA=$cuda; then
    echo "configure failed: see 02-configure.txt" | tee -a "$summary"
    exit 1
fi

# The device tests: every vulkan_*/cuda_* test executable CMake knows about.
targets=$(cmake --build "$BUILD" --target help 2>/dev/null |
    sed -n 's/^\(\(vulkan\|cuda\)_[a-z0-9_]*_test\):.*/\1/p' | sort -u | tr '\n' ' ')
echo "targets: $targets" >>"$summary"
if [ -z "$targets" ]; then
    echo "no vulkan_*/cuda_* test targets found" | tee -a "$summary"
    exit 1
fi
# shellcheck disable=SC2086
step 03-build 300 cmake --build "$BUILD" -j "$JOBS" --target $targets fabulist-cli || exit 1

# Each test on its own so one crash does not hide the others; -v prints the chosen device.
n=4
for t in $targets; do
    exe=$(find "$BUILD/tests" -type f -name "$t" -perm -u+x | head -1)
    if [[ $t == *parity* && ! -d $FABULIST_REFERENCE_DIR/models ]]; then
        echo "0$n-$t: skipped (no reference models in $FABULIST_REFERENCE_DIR)" | tee -a "$summary"
        n=$((n + 1))
        continue
    fi
    step "0$n-$t" 120 "$exe" -v1
    n=$((n + 1))
done
# The tests allow lavapipe; on a GPU machine they must have run on the GPU. Only a dry run
# (FABULIST_VULKAN_ALLOW_CPU=1 in the caller's environment) accepts the CPU implementation.
device=$(grep -ho 'Vulkan device: .*' "$OUT"/0*-vulkan_ops_test.txt 2>/dev/null | head -1)
echo "${device:-Vulkan device: none reported}" | tee -a "$summary"
if echo "$device" | grep -qi llvmpipe && [ "${FABULIST_VULKAN_ALLOW_CPU:-0}" != 1 ]; then
    echo "FAIL: the Vulkan tests ran on lavapipe, not a GPU (no GPU Vulkan driver/ICD?)" |
        tee -a "$summary"
    status=1
fi
exclude=()
[ -d "$FABULIST_REFERENCE_DIR/models" ] || exclude=(-E parity)
step "0$n-ctest" 180 ctest --test-dir "$BUILD" -R '^(vulkan|cuda)_' "${exclude[@]}" --output-on-failure
n=$((n + 1))

# Bench on a synth model: decode tok/s and the per-op device profile (bench --profile).
dry=0
[ "${FABULIST_VULKAN_ALLOW_CPU:-0}" = 1 ] && dry=1
shape="${GPU_CHECK_SHAPE:-$([ $dry = 1 ] && echo tiny-moe || echo granite-1b-a400m)}"
qtype="${GPU_CHECK_TYPE:-Q4_K_M}"
cli=$(find "$BUILD/app" -type f -name fabulist-cli -perm -u+x | head -1)
synth="$BUILD/synth-$shape-$qtype.gguf"
bench=(-p 512 -n 128 -r 3)
[ $dry = 1 ] && bench=(-p 32 -n 8 -r 1) # lavapipe: a smoke check only
[ -n "${GPU_CHECK_BANDWIDTH_GBS:-}" ] && bench+=(--bandwidth "$GPU_CHECK_BANDWIDTH_GBS")
if [ -z "$cli" ]; then
    echo "fabulist-cli not built: no bench" | tee -a "$summary"
    status=1
elif step "$(printf %02d $n)-synth" 180 "$cli" synth --shape "$shape" --type "$qtype" \
    --vocab-from "$ROOT/resources/models/fabulist-default.gguf" --seed 1 -t "$JOBS" -o "$synth"; then
    benchText="$(printf %02d $((n + 1)))-bench"
    step "$benchText" 150 "$cli" bench --device vulkan -m "$synth" "${bench[@]}" --profile
    # shellcheck disable=SC2016 # $0, $@ and $OUT expand in the inner shell
    step "$(printf %02d $((n + 2)))-bench-json" 150 \
        bash -c '"$0" "$@" >"$OUT/bench.json"' "$cli" bench --device vulkan -m "$synth" \
        "${bench[@]}" --profile --json
    grep -h '^pp\|^tg\|roofline' "$OUT/$benchText.txt" >>"$summary"
fi
echo "overall: $([ $status -eq 0 ] && echo PASS || echo FAIL)" | tee -a "$summary"
exit $status
