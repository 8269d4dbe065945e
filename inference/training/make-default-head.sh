#!/usr/bin/env bash
# Trains the default model's diversity head with Fabulist's own trainer, measures it, and writes
#   resources/models/fabulist-default.head.gguf        the adapter
#   resources/models/fabulist-default.head.eval.json   `eval-diversity --json` (the slider check)
#   resources/models/fabulist-default.head.eval.png    its plot
#   resources/models/fabulist-default.head.eval.words.json/.png  the words check (non-words)
#   the "## Diversity head" section of resources/models/MODEL_CARD.md (replaced, or appended)
# The head's settings are the variables below; the card records them and every command.
#
# Usage: inference/training/make-default-head.sh [--cli PATH] [--work DIR] [-t THREADS]
#   --cli   fabulist-cli to use (default: build/app/fabulist-cli, as installer/build.sh makes it)
#   --work  the model's training work dir (default inference/training/work/full); the head's
#           files go to DIR/head/. Its data/train.txt is the training split that
#           make-default-model.sh wrote.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cli="$root/build/app/fabulist-cli"
work="$here/work/full"
threads=2
while [[ $# -gt 0 ]]; do
  case "$1" in
    --cli) cli="$2"; shift ;;
    --work) work="$2"; shift ;;
    -t) threads="$2"; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "make-default-head.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

# The head's recipe. CORPUS_BYTES: the head trains on the first bytes of the training split
# (the trainer caches one hidden state per token, so the whole split would need ~1.3 GB).
CORPUS_BYTES=${CORPUS_BYTES:-1500000}
RANK=${RANK:-32}
STEPS=${STEPS:-800}
BATCH=${BATCH:-256}
LR=${LR:-0.0002}
GAMMA=${GAMMA:-1.0}
EVAL_EVERY=${EVAL_EVERY:-100}
SEED=${SEED:-1}
CTX=${CTX:-1024}
# 1: the delta only on tokens that begin a word or a mark (train-head --word-starts-only), so
# the diverse end of the slider varies the words without inventing new ones.
WORD_STARTS_ONLY=${WORD_STARTS_ONLY:-1}
# The delta α 1 adds, as a share of the trained one: 0.75 keeps the slider's diverse end within
# 0.1 point of α 0's non-word rate while it stays more diverse than any temperature (the words
# check below; the card shows both ends).
STRENGTH=${STRENGTH:-0.75}
# The slider check: prompts written for it (in no training text), samples per prompt, length.
EVAL_SAMPLES=${EVAL_SAMPLES:-8}
EVAL_LENGTH=${EVAL_LENGTH:-64}

models="$root/resources/models"
model="$models/fabulist-default.gguf"
adapter="$models/fabulist-default.head.gguf"
valid="$root/tests/fixtures/default-model/valid.txt"
out="$work/head"
for f in "$cli" "$model" "$valid" "$work/data/train.txt"; do
  [[ -e "$f" ]] || { echo "make-default-head.sh: missing $f (build first: installer/build.sh;" \
                          "the training split comes from make-default-model.sh)" >&2; exit 1; }
done
mkdir -p "$out"
# A fresh head: an old checkpoint belongs to another model or other settings.
rm -f "$out/head.gguf" "$out/head.gguf.ckpt"

head -c "$CORPUS_BYTES" "$work/data/train.txt" > "$out/corpus.txt"
train_cmd=("$cli" train-head -m "$model" -c "$out/corpus.txt" -o "$out/head.gguf"
           --rank "$RANK" --steps "$STEPS" --batch "$BATCH" --lr "$LR" --gamma "$GAMMA"
           --eval-every "$EVAL_EVERY" --seed "$SEED" -t "$threads" --ctx "$CTX" --fresh)
[[ $WORD_STARTS_ONLY == 1 ]] && train_cmd+=(--word-starts-only)
train_cmd+=(--strength "$STRENGTH")
echo "+ ${train_cmd[*]}"
start=$(date +%s)
"${train_cmd[@]}" 2>&1 | tr '\r' '\n' | grep -v "model pass" | tee "$out/train-head.log"
echo "$(( $(date +%s) - start ))" > "$out/train-seconds.txt"
cp "$out/head.gguf" "$adapter"

# The slider check twice: each knob alone ("plain"), and every knob on llama.cpp's default chain
# (top-k 40, top-p 0.95, min-p 0.05, temperature 0.8: what the app's slider runs on).
for base in plain llama; do
  suffix=$([[ $base == plain ]] && echo "" || echo ".llama")
  eval_cmd=("$cli" eval-diversity -m "$model" --adapter "$adapter" --base "$base"
            --prompts "$models/eval-prompts.txt" --samples "$EVAL_SAMPLES" --length "$EVAL_LENGTH"
            --seed "$SEED" -t "$threads" --json)
  echo "+ ${eval_cmd[*]}"
  "${eval_cmd[@]}" > "$out/eval$suffix.json"
  cp "$out/eval$suffix.json" "$models/fabulist-default.head.eval$suffix.json"
  "$cli" eval-diversity --plot-from "$out/eval$suffix.json" \
    --plot "$models/fabulist-default.head.eval$suffix.png"
done

# The words check: non-words and word distinct-2 on 48 openings of our own (the 16 above and 32
# more), on the chain the app's slider runs on.
words_cmd=("$cli" eval-diversity -m "$model" --adapter "$adapter" --base llama
           --prompts "$models/eval-prompts-words.txt" --samples "$EVAL_SAMPLES"
           --length "$EVAL_LENGTH" --seed "$SEED" -t "$threads" --json)
echo "+ ${words_cmd[*]}"
"${words_cmd[@]}" > "$out/eval.words.json"
cp "$out/eval.words.json" "$models/fabulist-default.head.eval.words.json"
"$cli" eval-diversity --plot-from "$out/eval.words.json" \
  --plot "$models/fabulist-default.head.eval.words.png"

for a in 0 0.5 1; do
  "$cli" perplexity -m "$model" -f "$valid" -c 1024 -t "$threads" --adapter "$adapter" \
    --alpha "$a" --json > "$out/ppl-$a.json"
done

# Five unedited samples per α: the card's prompts and seeds, the app's default sampler.
prompts=("It was a cold morning in November when"
         "\"I cannot think what you mean,\" said Elizabeth."
         "The ship had been three weeks at sea, and the captain"
         "Mrs. Dashwood and her daughters walked slowly towards the village,"
         "Chapter the first. In which the heroine arrives at Bath.")
for a in 0 0.5 1; do
  for i in "${!prompts[@]}"; do
    printf '%s' "${prompts[$i]}" > "$out/prompt-$i.txt"
    "$cli" generate -m "$model" -p "${prompts[$i]}" -n 128 --seed $((1000 + i)) --temp 0.8 \
      --top-p 0.95 --repeat-penalty 1.1 --repeat-last-n 64 -t "$threads" \
      --adapter "$adapter" --alpha "$a" --json > "$out/sample-$a-$i.json"
  done
done

/usr/bin/python3 "$here/head_report.py" --head-dir "$out" --card "$models/MODEL_CARD.md" \
  --settings "corpus_bytes=$CORPUS_BYTES rank=$RANK steps=$STEPS batch=$BATCH lr=$LR gamma=$GAMMA eval_every=$EVAL_EVERY seed=$SEED ctx=$CTX threads=$threads eval_samples=$EVAL_SAMPLES eval_length=$EVAL_LENGTH word_starts_only=$WORD_STARTS_ONLY strength=$STRENGTH"
echo "make-default-head.sh: wrote $adapter and the card's head section"
