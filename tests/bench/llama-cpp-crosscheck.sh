#!/usr/bin/env bash
# Runs real llama.cpp (Debian's llama.cpp-tools, which only Debian unstable has, so it lives in
# a debootstrapped sid root) beside fabulist-cli on the same GGUF files:
#   1. llama.cpp must load the file (synth models, the default model);
#   2. greedy text from both, compared token for token (printed side by side);
#   3. with --bench: llama-bench and fabulist-cli bench with the same -t/-p/-n/-r.
# --exact: both sides with an F32 KV cache and llama.cpp's flash attention off (as the reference
# data was made), so only the weights' arithmetic differs.
# Not part of CTest: it downloads ~300 MB of Debian packages once and needs root.
#
# Usage: tests/bench/llama-cpp-crosscheck.sh [--cli PATH] [--bench] [--exact] [-t N] [-n N] MODEL.gguf...
#   FABULIST_LLAMA_ROOT   where the sid root is kept (installer/sid-llama-root.sh makes it)
# Prints one JSON object per model on stdout; logs go to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root_dir="$(cd "$here/../.." && pwd)"
cli="$root_dir/build/app/fabulist-cli"
bench=0
exact=0
threads=2
n_gen=24
models=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --cli) cli="$2"; shift ;;
    --bench) bench=1 ;;
    --exact) exact=1 ;;
    -t) threads="$2"; shift ;;
    -n) n_gen="$2"; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    -*) echo "llama-cpp-crosscheck.sh: unknown option '$1'" >&2; exit 2 ;;
    *) models+=("$(readlink -f "$1")") ;;
  esac
  shift
done
[[ ${#models[@]} -gt 0 ]] || { echo "llama-cpp-crosscheck.sh: give at least one MODEL.gguf" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "llama-cpp-crosscheck.sh: needs root (debootstrap, chroot)" >&2; exit 1; }
[[ -x "$cli" ]] || { echo "llama-cpp-crosscheck.sh: $cli not built (installer/build.sh)" >&2; exit 1; }

sid="$("$root_dir/installer/sid-llama-root.sh")"

mounts=()
cleanup() {
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount "${mounts[$i]}" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM
bind() { # bind SRC DST(inside the root) [ro]
  mkdir -p "$sid$2"
  mount --bind "$1" "$sid$2"
  [[ "${3:-}" == ro ]] && mount -o remount,bind,ro "$sid$2"
  mounts+=("$sid$2")
}
mountpoint -q "$sid/proc" || { mount -t proc proc "$sid/proc"; mounts+=("$sid/proc"); }
mountpoint -q "$sid/dev" || bind /dev /dev

prompt="Once upon a time"
llama_kv=()
ours_kv=()
if [[ $exact == 1 ]]; then
  llama_kv=(-ctk f32 -ctv f32 -fa off)
  ours_kv=(--kv-type f32)
fi
for i in "${!models[@]}"; do
  m="${models[$i]}"
  bind "$(dirname "$m")" "/models/$i" ro
  inside="/models/$i/$(basename "$m")"
  echo "llama-cpp-crosscheck: $m" >&2
  if ! llama_out=$(chroot "$sid" llama-completion -m "$inside" -p "$prompt" -n "$n_gen" \
                     --temp 0 -t "$threads" -no-cnv --no-warmup "${llama_kv[@]}" 2>"/tmp/llama-crosscheck-$i.log"); then
    echo "{\"model\": \"$m\", \"llama_cpp_loads\": false, \"log\": \"/tmp/llama-crosscheck-$i.log\"}"
    continue
  fi
  ours=$("$cli" generate -m "$m" -p "$prompt" -n "$n_gen" --temp 0 -t "$threads" "${ours_kv[@]}" 2>/dev/null)
  /usr/bin/python3 - "$m" "$llama_out" "$ours" <<'EOF'
import json, re, sys
model, theirs, ours = sys.argv[1], sys.argv[2].strip(), sys.argv[3].strip()
# Bytes that are not UTF-8: llama.cpp prints them raw (here surrogate escapes), fabulist-cli as
# one U+FFFD each; compare them alike.
theirs = re.sub("[\udc80-\udcff]", "\ufffd", theirs)
common = next((k for k, (a, b) in enumerate(zip(theirs, ours)) if a != b), min(len(theirs), len(ours)))
print(json.dumps({"model": model, "llama_cpp_loads": True, "greedy_identical": theirs == ours,
                  "common_prefix_chars": common, "llama_cpp": theirs, "fabulist": ours}))
EOF
  if [[ $bench == 1 ]]; then
    chroot "$sid" llama-bench -m "$inside" -t "$threads" -p 512 -n 128 -r 3 -o json 2>/dev/null \
      | /usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin); print(json.dumps({"llama_bench": [{"n_prompt": x["n_prompt"], "n_gen": x["n_gen"], "avg_ts": x["avg_ts"], "stddev_ts": x["stddev_ts"]} for x in r]}))'
    "$cli" bench -m "$m" -t "$threads" -p 512 -n 128 -r 3 --json
  fi
done
