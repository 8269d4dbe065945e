#!/usr/bin/env bash
# Runs real llama.cpp (Debian's llama.cpp-tools, which only Debian unstable has, so it lives in
# a debootstrapped sid root) beside fabulist-cli on the same GGUF files:
#   1. llama.cpp must load the file (synth models, the default model);
#   2. greedy text from both, compared token for token (printed side by side);
#   3. with --bench: llama-bench and fabulist-cli bench with the same -t/-p/-n/-r/-d, in
#      --rounds R interleaved rounds (llama.cpp first in odd rounds, ours first in even ones: the
#      machine's speed drifts), then one summary object with the medians and our/llama.cpp ratios.
#      --bench-only skips the greedy text.
# --exact: both sides with an F32 KV cache and llama.cpp's flash attention off (as the reference
# data was made), so only the weights' arithmetic differs.
# Not part of CTest: it downloads ~300 MB of Debian packages once and needs root.
#
# Usage: tests/bench/llama-cpp-crosscheck.sh [--cli PATH] [--bench|--bench-only] [--rounds R (1)]
#          [--depth D (0)] [--exact] [-t N] [-n N] MODEL.gguf...
#   FABULIST_LLAMA_ROOT   where the sid root is kept (installer/sid-llama-root.sh makes it)
# Prints JSON objects, one per line, on stdout; logs go to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root_dir="$(cd "$here/../.." && pwd)"
cli="$root_dir/build/app/fabulist-cli"
bench=0
text=1
rounds=1
depth=0
exact=0
threads=2
n_gen=24
models=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --cli) cli="$2"; shift ;;
    --bench) bench=1 ;;
    --bench-only) bench=1; text=0 ;;
    --rounds) rounds="$2"; shift ;;
    --depth) depth="$2"; shift ;;
    --exact) exact=1 ;;
    -t) threads="$2"; shift ;;
    -n) n_gen="$2"; shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
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
llama_bench() { # llama_bench INSIDE_PATH: one JSON object with llama-bench's pp and tg
  chroot "$sid" llama-bench -m "$1" -t "$threads" -p 512 -n 128 -d "$depth" -r 3 -o json 2>/dev/null \
    | /usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin); print(json.dumps({"engine": "llama.cpp", "runs": [{"n_prompt": x["n_prompt"], "n_gen": x["n_gen"], "n_depth": x.get("n_depth", 0), "avg_ts": x["avg_ts"], "stddev_ts": x["stddev_ts"]} for x in r]}))'
}
fabulist_bench() { # fabulist_bench MODEL: one JSON object
  "$cli" bench -m "$1" -t "$threads" -p 512 -n 128 --depth "$depth" -r 3 --json
}
compare_text() { # compare_text MODEL INSIDE_PATH LOG: greedy text from both, side by side
  local m="$1" inside="$2" log="$3" llama_out ours
  if ! llama_out=$(chroot "$sid" llama-completion -m "$inside" -p "$prompt" -n "$n_gen" \
                     --temp 0 -t "$threads" -no-cnv --no-warmup "${llama_kv[@]}" 2>"$log"); then
    echo "{\"model\": \"$m\", \"llama_cpp_loads\": false, \"log\": \"$log\"}"
    return 1
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
}
summarize() { # summarize MODEL < the rounds' objects: medians and our / llama.cpp ratios
  /usr/bin/python3 -c '
import json, statistics, sys
model, lp, lt, fp, ft = sys.argv[1], [], [], [], []
for line in sys.stdin:
    o = json.loads(line)
    if o.get("engine") == "llama.cpp":
        for r in o["runs"]:
            (lp if r["n_prompt"] else lt).append(r["avg_ts"])
    elif "prompt_tokens_per_s" in o:
        fp.append(o["prompt_tokens_per_s"])
        ft.append(o["decode_tokens_per_s"])
med = lambda v: statistics.median(v) if v else None
out = {"model": model, "summary": True, "rounds": len(fp), "llama_pp": med(lp),
       "llama_tg": med(lt), "fabulist_pp": med(fp), "fabulist_tg": med(ft)}
if lp and fp: out["pp_ratio"] = round(med(fp) / med(lp), 3)
if lt and ft: out["tg_ratio"] = round(med(ft) / med(lt), 3)
print(json.dumps(out))' "$1"
}

for i in "${!models[@]}"; do
  m="${models[$i]}"
  bind "$(dirname "$m")" "/models/$i" ro
  inside="/models/$i/$(basename "$m")"
  echo "llama-cpp-crosscheck: $m" >&2
  if [[ $text == 1 ]]; then
    compare_text "$m" "$inside" "/tmp/llama-crosscheck-$i.log" || continue
  fi
  [[ $bench == 1 ]] || continue
  rows=()
  for ((r = 1; r <= rounds; r++)); do
    echo "llama-cpp-crosscheck: round $r of $rounds" >&2
    if ((r % 2 == 1)); then
      rows+=("$(llama_bench "$inside")" "$(fabulist_bench "$m")")
    else
      rows+=("$(fabulist_bench "$m")" "$(llama_bench "$inside")")
    fi
    printf '%s\n' "${rows[@]: -2}"
  done
  printf '%s\n' "${rows[@]}" | summarize "$m"
done
