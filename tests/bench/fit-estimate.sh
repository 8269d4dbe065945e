#!/usr/bin/env bash
# The model manager's speed estimate against what `bench` measures (#18: within ±30 % on a model
# large enough for decoding to stream from memory). A benchmark, not a test: it measures time.
# Each round measures the bandwidth afresh and benches right after, because this machine's
# bandwidth drifts over minutes.
#
# Usage: tests/bench/fit-estimate.sh [--cli PATH] [-r ROUNDS] [MODEL.gguf...]
#   Without models: a granite-1b-a400m-shaped Q4_K_M synth (812 MiB, made once in $TMPDIR)
#   and the reference models tiny-moe-q4_k_m and tiny-llama3-f16.
# Prints one JSON object per model and round on stdout.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root_dir="$(cd "$here/../.." && pwd)"
cli="$root_dir/build/app/fabulist-cli"
rounds=2
models=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --cli) cli="$2"; shift ;;
    -r) rounds="$2"; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    -*) echo "fit-estimate.sh: unknown option '$1'" >&2; exit 2 ;;
    *) models+=("$1") ;;
  esac
  shift
done
[[ -x "$cli" ]] || { echo "fit-estimate.sh: $cli not built (installer/build.sh)" >&2; exit 1; }

reference="${FABULIST_REFERENCE_DIR:-$root_dir/../shared/reference}"
if [[ ${#models[@]} -eq 0 ]]; then
  synth="${TMPDIR:-/tmp}/fabulist-fit-granite-1b-a400m-q4_k_m.gguf"
  if [[ ! -s "$synth" ]]; then
    echo "fit-estimate: making $synth (once)" >&2
    "$cli" synth --shape granite-1b-a400m --type Q4_K_M --vocab-from "$reference/models/tiny-dense-f32.gguf" \
      --seed 1234 -o "$synth" >&2
  fi
  models=("$synth" "$reference/models/tiny-moe-q4_k_m.gguf" "$reference/models/tiny-llama3-f16.gguf")
fi

cache="$(mktemp -d)"
trap 'rm -rf "$cache"' EXIT
for ((round = 1; round <= rounds; round++)); do
  for model in "${models[@]}"; do
    rm -f "$cache/fabulist/memory-bandwidth.txt"
    fit="$(XDG_CACHE_HOME="$cache" "$cli" models fit "$model" --json)"
    bench="$("$cli" bench -m "$model" -n 32 -p 0 -r 3 --json)"
    python3 - "$model" "$round" "$fit" "$bench" <<'PY'
import json, os, sys
model, rnd, fit, bench = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3]), json.loads(sys.argv[4])
expected = fit["expected_decode_tokens_per_s"]
measured = bench["decode_tokens_per_s"]
print(json.dumps({
    "model": os.path.basename(model), "round": rnd,
    "bandwidth_gb_per_s": round(fit["bandwidth_gb_per_s"], 1),
    "weight_mb_per_token": round(fit["weight_bytes_per_token"] / 1e6, 1),
    "expected_decode_tokens_per_s": round(expected, 1),
    "bench_decode_tokens_per_s": round(measured, 1),
    "ratio": round(measured / expected, 2),
    "within_30_percent": 0.7 <= measured / expected <= 1.3,
}))
PY
  done
done
