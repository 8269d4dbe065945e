#!/usr/bin/env bash
# One-command accelerator check for a machine with an NVIDIA GPU (#21): builds the CUDA and
# Vulkan backends in their own build directory, runs the CTest tests labelled `gpu` (CUDA op and
# model parity) and the Vulkan tests, then `fabulist-cli bench --device cuda` and `--device
# vulkan` on two synth models (granite-1b-a400m and qwen3-30b-a3b, Q4_K_M), plus the 30B on the
# CPU (the pp512 target is 10x the CPU's) and on CUDA with `--cpu-moe 24` (experts of half the
# layers on the CPU: the mixed placement). Writes one log per step, bench-*.json and summary.jsonl
# to $OUT (default ./gpu-check-out), and prints one summary line per check.
#
# Sized for under 8 minutes on one H100 with 16 cores: every step has a time limit, and all of
# them together stop at GPU_CHECK_BUDGET_S (default 470 s); a step left without time says so.
# CUDA is compiled for this GPU only (CMAKE_CUDA_ARCHITECTURES native); the qwen3-30b-a3b synth
# (17 GiB) is written in the background while the test executables build.
#
#   OUT=/path tests/device/gpu-check.sh            # on the GPU machine
#   # dry run without a GPU (CUDA steps report "no device", Vulkan runs on lavapipe, tiny models):
#   OUT=/tmp/x FABULIST_VULKAN_ALLOW_CPU=1 GPU_CHECK_BUILD_DIR=build GPU_CHECK_STEP_SCALE=4 \
#       GPU_CHECK_BUDGET_S=3000 tests/device/gpu-check.sh
#
# GPU_CHECK_BUILD_DIR: build directory (default build-gpu-check; an existing one keeps its cache),
# GPU_CHECK_LOCK: a file to flock around builds (a shared machine), GPU_CHECK_CUDA_ARCHS: CUDA
# architectures (default native with a GPU, the project's list without; "keep": leave the cache's),
# GPU_CHECK_BANDWIDTH_GBS: the GPU's memory bandwidth for the roofline (default from its name:
# H100 SXM 3350, H100 PCIe 2000, H200 4800), JOBS: build jobs (default nproc),
# GPU_CHECK_STEP_SCALE: multiplies every step's time limit (a slow machine's dry run).
#
# Exit status: 0 when every step that ran passed (a CUDA step without a device is not a failure
# in a dry run); the files say which step failed and why.
set -u
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${OUT:-$PWD/gpu-check-out}"
export OUT
BUILD="${GPU_CHECK_BUILD_DIR:-$ROOT/build-gpu-check}"
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
JOBS="${JOBS:-$(nproc)}"
DEADLINE=$((SECONDS + ${GPU_CHECK_BUDGET_S:-470}))
# The parity tests read llama.cpp's reference models (CTest sets this too).
export FABULIST_REFERENCE_DIR="${FABULIST_REFERENCE_DIR:-$ROOT/../shared/reference}"
export QT_QPA_PLATFORM=offscreen
mkdir -p "$OUT"
status=0
summary="$OUT/00-summary.txt"
: >"$summary"
: >"$OUT/summary.jsonl"
n=0

# note NAME RESULT: one summary line (and one JSON line) for a check that did not run a command.
note() {
    echo "$1: $2" | tee -a "$summary"
    printf '{"step": "%s", "result": "%s"}\n' "$1" "${2//\"/\'}" >>"$OUT/summary.jsonl"
}

# step NAME LIMIT_S COMMAND...: runs the command with a time limit (cut to what is left of the
# budget), output to $OUT/NN-NAME.txt; one summary line.
step() {
    local name limit=$(($2 * ${GPU_CHECK_STEP_SCALE:-1})) start=$SECONDS left=$((DEADLINE - SECONDS))
    n=$((n + 1))
    name=$(printf '%02d-%s' $n "$1")
    shift 2
    if [ $left -lt 10 ]; then
        note "$name" "not run: out of time (GPU_CHECK_BUDGET_S)"
        status=1
        return 1
    fi
    [ "$limit" -gt "$left" ] && limit=$left
    # A shell function (locked, synth) runs in a child bash, which inherits it (export -f).
    local run=("$@")
    declare -F "$1" >/dev/null && run=(bash -c '"$@"' _ "$@")
    { echo "\$ $*"; timeout "$limit" "${run[@]}"; } >"$OUT/$name.txt" 2>&1
    local rc=$? secs=$((SECONDS - start))
    local why=""
    [ $rc -eq 124 ] && why=" (timed out after ${limit} s)"
    echo "$name: rc=$rc ($secs s)$why" | tee -a "$summary"
    printf '{"step": "%s", "rc": %d, "seconds": %d, "limit_s": %d}\n' "$name" $rc $secs "$limit" \
        >>"$OUT/summary.jsonl"
    [ $rc -eq 0 ] || status=1
    return $rc
}

# shellcheck disable=SC2317 # called through step
locked() {
    if [ -n "${GPU_CHECK_LOCK:-}" ]; then flock "$GPU_CHECK_LOCK" bash -c '"$@"' _ "$@"; else "$@"; fi
}
export -f locked

# shellcheck disable=SC2016 # the inner shell expands $t
step host 30 bash -c 'uname -a; nproc; free -g; df -h .; (nvidia-smi || echo "nvidia-smi: not found"); \
  (command -v vulkaninfo >/dev/null && vulkaninfo --summary || echo "vulkaninfo: not found"); \
  for t in cmake ninja glslc nvcc /usr/local/cuda/bin/nvcc; do printf "%s: " $t; command -v $t || echo missing; done'

gpu_name=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)
nvcc=$(command -v nvcc || { [ -x /usr/local/cuda/bin/nvcc ] && echo /usr/local/cuda/bin/nvcc; })
# A new build directory gets both backends required; an existing one keeps its cache's choices.
config=()
archs="${GPU_CHECK_CUDA_ARCHS:-}"
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    config+=(-G Ninja -DCMAKE_BUILD_TYPE=Release -DFABULIST_VULKAN=ON)
    [ -n "$nvcc" ] && config+=(-DFABULIST_CUDA=ON -DCMAKE_CUDA_COMPILER="$nvcc")
    [ -z "$archs" ] && [ -n "$gpu_name" ] && archs=native
fi
[ -n "$nvcc" ] && [ -n "$archs" ] && [ "$archs" != keep ] &&
    config+=(-DCMAKE_CUDA_ARCHITECTURES="$archs")
if ! step configure 120 locked cmake -S "$ROOT" -B "$BUILD" "${config[@]}"; then
    note configure "failed: see $(printf '%02d' $n)-configure.txt"
    exit 1
fi
cuda_built=0
grep -q 'CUDA backend: ON' "$OUT/$(printf '%02d' $n)-configure.txt" && cuda_built=1

# The library (with the .cu kernels, the slow part) and the CLI first, so the big synth can be
# written while the test executables build.
step build-cli 300 locked cmake --build "$BUILD" -j "$JOBS" --target fabulist-cli || exit 1
cli="$BUILD/app/fabulist-cli"

# Is there a CUDA device? `info --device cuda` prints it, or the one-line reason there is none.
cuda_reason=""
if [ $cuda_built = 0 ]; then
    cuda_reason="CUDA not built (no nvcc)"
elif ! "$cli" info --device cuda >"$OUT/cuda-device.txt" 2>&1; then
    cuda_reason="$(tail -1 "$OUT/cuda-device.txt" | sed 's/^fabulist-cli info: //')"
fi
if [ -n "$cuda_reason" ]; then note cuda-device "no device: $cuda_reason"; else
    note cuda-device "$(head -4 "$OUT/cuda-device.txt" | tr -s ' \n' ' ')"; fi

dry=0
[ -z "$gpu_name" ] && dry=1
vocab="$ROOT/resources/models/fabulist-default.gguf"
small="${GPU_CHECK_SHAPE:-$([ $dry = 1 ] && echo tiny-moe || echo granite-1b-a400m)}"
big="${GPU_CHECK_BIG_SHAPE:-$([ $dry = 1 ] && echo tiny-qwen3moe || echo qwen3-30b-a3b)}"
qtype="${GPU_CHECK_TYPE:-Q4_K_M}"
synth() { "$cli" synth --shape "$1" --type "$qtype" --vocab-from "$vocab" --seed 1 -t "$2" \
    -o "$BUILD/synth-$1-$qtype.gguf"; }
export -f synth
export cli vocab qtype BUILD
# The big synth in the background while the tests build (half the jobs) and run (mostly GPU).
half=$(((JOBS + 1) / 2))
bigLog="$OUT/synth-$big.txt"
bigPid=""
if [ -f "$BUILD/synth-$big-$qtype.gguf" ]; then
    echo "reused $BUILD/synth-$big-$qtype.gguf" >"$bigLog"
else
    synth "$big" "$JOBS" >"$bigLog" 2>&1 &
    bigPid=$!
fi

# The device tests: every test labelled gpu (CUDA) and every vulkan_* test.
gpuTests=$(ctest --test-dir "$BUILD" -N -L '^gpu$' | sed -n 's/^ *Test *#[0-9]*: *//p' | tr '\n' ' ')
vulkanTests=$(ctest --test-dir "$BUILD" -N -R '^vulkan_' | sed -n 's/^ *Test *#[0-9]*: *//p' |
    tr '\n' ' ')
# The CUDA matmul kernels per weight type (JSON), when the build has them.
kernelBench=""
cmake --build "$BUILD" --target help 2>/dev/null | grep -q '^cuda_matmul_bench:' &&
    kernelBench=cuda_matmul_bench
echo "gpu tests: ${gpuTests:-none}; vulkan tests: ${vulkanTests:-none}" >>"$summary"
if [ -n "$gpuTests$vulkanTests" ]; then
    # shellcheck disable=SC2086 # word splitting of the target lists is wanted
    step build-tests 200 locked cmake --build "$BUILD" -j "$half" --target $gpuTests $vulkanTests \
        $kernelBench
else
    note build-tests "no test labelled gpu and no vulkan_* test in $BUILD"
    status=1
fi

# Each test on its own (-V: its output in the log, including the device it chose).
for t in $gpuTests; do
    if [ -n "$cuda_reason" ]; then note "cuda-test $t" "no device: $cuda_reason"; continue; fi
    step "$t" 150 locked ctest --test-dir "$BUILD" -V -R "^$t\$" --timeout 140
done
if [ -n "$kernelBench" ] && [ -z "$cuda_reason" ]; then
    # shellcheck disable=SC2016 # $0 and $OUT expand in the inner shell
    step cuda-matmul-bench 60 bash -c '"$0" Q4_K Q6_K Q8_0 >"$OUT/cuda-matmul-bench.json"' \
        "$BUILD/tests/bench/cuda_matmul_bench"
fi
for t in $vulkanTests; do
    step "$t" 120 locked ctest --test-dir "$BUILD" -V -R "^$t\$" --timeout 110
done
# The tests allow lavapipe; on a GPU machine they must have run on the GPU.
device=$(grep -ho 'Vulkan device: .*' "$OUT"/*vulkan_ops_test.txt 2>/dev/null | head -1)
note vulkan-device "${device:-none reported}"
if echo "$device" | grep -qi llvmpipe && [ $dry = 0 ]; then
    note vulkan-device "FAIL: the Vulkan tests ran on lavapipe, not the GPU (no GPU Vulkan ICD?)"
    status=1
fi

# Benches: decode and prompt tok/s as JSON (bench --json), roofline from the GPU's bandwidth.
bw="${GPU_CHECK_BANDWIDTH_GBS:-}"
if [ -z "$bw" ]; then
    case "$gpu_name" in
    *H200*) bw=4800 ;; *H100*PCIe*) bw=2000 ;; *H100*) bw=3350 ;; esac
fi
args=(-p 512 -n 128 -r 3)
[ $dry = 1 ] && args=(-p 32 -n 8 -r 1) # lavapipe and CPU: a smoke check only
[ -n "$bw" ] && args+=(--bandwidth "$bw")
# bench NAME MODEL DEVICE [MORE...]: one bench to $OUT/bench-NAME.json, one summary line.
bench() {
    local name=$1 model=$2 device=$3
    shift 3
    if [ "$device" = cuda ] && [ -n "$cuda_reason" ]; then
        note "bench-$name" "no device: $cuda_reason"
        return 0
    fi
    # shellcheck disable=SC2016 # $0, $@ and $OUT expand in the inner shell
    step "bench-$name" 150 locked bash -c 'o=$1; shift; "$0" "$@" >"$OUT/bench-$o.json"' "$cli" "$name" \
        bench -m "$model" --device "$device" "$@" --json &&
        python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("  %s: pp%d %.1f tok/s%s%s" % (sys.argv[2], d["n_prompt"], d["prompt_tokens_per_s"], ", tg%d %.1f tok/s" % (d["n_gen"], d["decode_tokens_per_s"]) if d["n_gen"] else "", ", roofline %.0f %%" % (100*d["roofline_fraction"]) if "roofline_fraction" in d else ""))' \
            "$OUT/bench-$name.json" "$name" 2>/dev/null | tee -a "$summary"
    # A split model: bench prints the placement and the expert hit rate on stderr (the log).
    grep -h '^expert hit rate' "$OUT"/[0-9]*-bench-"$name".txt 2>/dev/null | sed 's/^/  /' |
        tee -a "$summary"
    return 0
}
if step "synth-$small" 120 locked synth "$small" "$JOBS"; then
    model="$BUILD/synth-$small-$qtype.gguf"
    bench "$small-cuda" "$model" cuda "${args[@]}" --profile
    bench "$small-vulkan" "$model" vulkan "${args[@]}" --profile
fi
if [ -n "$bigPid" ]; then
    # shellcheck disable=SC2016 # $0 and $1 expand in the inner shell
    step "synth-$big" 400 bash -c 'while kill -0 "$0" 2>/dev/null; do sleep 1; done; tail -c 300 "$1"' \
        "$bigPid" "$bigLog"
    if kill -0 "$bigPid" 2>/dev/null; then
        kill "$bigPid"
        rm -f "$BUILD/synth-$big-$qtype.gguf"
        note "synth-$big" "stopped: out of time, no $big benches"
    elif ! wait "$bigPid"; then
        note "synth-$big" "failed: see $(basename "$bigLog")"
        status=1
    fi
fi
model="$BUILD/synth-$big-$qtype.gguf"
if [ -f "$model" ]; then
    bench "$big-cuda" "$model" cuda "${args[@]}"
    bench "$big-vulkan" "$model" vulkan "${args[@]}"
    # Experts of the first half of the layers on the CPU: the placement's mixed forward pass.
    half_layers=$([ $dry = 1 ] && echo 1 || echo 24)
    bench "$big-cuda-cpu-moe" "$model" cuda -p 512 -n 64 -r 1 --cpu-moe "$half_layers"
    bench "$big-cpu" "$model" cpu -p "$([ $dry = 1 ] && echo 32 || echo 512)" -n 0 -r 1
    [ -z "$cuda_reason" ] && "$cli" info "$model" --device cuda >"$OUT/placement-$big.txt" 2>&1
fi
note overall "$([ $status -eq 0 ] && echo PASS || echo FAIL) ($SECONDS s)"
exit $status
