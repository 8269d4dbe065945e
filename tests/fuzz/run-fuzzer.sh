#!/usr/bin/env bash
# Builds one libFuzzer target with clang (ASan + UBSan), separately from the main build, and
# runs it for a bounded time. Called by CTest (tests/fuzz/CMakeLists.txt):
#   run-fuzzer.sh NAME SOURCE_DIR WORK_DIR SOURCE...
# Rebuilds only when a listed source, or a header under inference/, is newer than the binary.
# FABULIST_FUZZ_SECONDS (default 20) bounds the run. Exit status non-zero = crash found or
# build failed; the crashing input is left in WORK_DIR/crash-*.
set -euo pipefail
name=$1 src=$2 work=$3
shift 3
seconds=${FABULIST_FUZZ_SECONDS:-20}
cxx=${FABULIST_FUZZ_CXX:-clang++}

if ! command -v "$cxx" >/dev/null 2>&1; then
    echo "fuzz: $cxx not found. Install the fuzzing toolchain with installer/install-deps.sh" \
         "(it installs clang and libclang-rt-dev)." >&2
    exit 1
fi

mkdir -p "$work/corpus"
bin="$work/$name-fuzzer"
sources=()
for s in "$@"; do sources+=("$src/$s"); done

needs_build=0
if [[ ! -x $bin ]]; then
    needs_build=1
else
    for f in "${sources[@]}" $(find "$src/inference" -name '*.h' -o -name '*.inc'); do
        if [[ $f -nt $bin ]]; then needs_build=1; break; fi
    done
fi
if (( needs_build )); then
    echo "fuzz: building $bin"
    if ! "$cxx" -std=c++20 -O1 -g -fno-omit-frame-pointer \
        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        -I"$src" "${sources[@]}" -o "$bin.tmp"; then
        echo "fuzz: building the $name fuzzer failed. If the error mentions libFuzzer or" \
             "the sanitizer runtime, run installer/install-deps.sh (clang, libclang-rt-dev)." >&2
        exit 1
    fi
    mv "$bin.tmp" "$bin"
fi

seeds="$src/tests/fuzz/corpus/$name"
echo "fuzz: running $name for ${seconds}s (seeds: $seeds)"
cd "$work"
# -malloc_limit_mb: an allocation sized from an unchecked count fails as a crash.
exec "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=256 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" "$seeds"
