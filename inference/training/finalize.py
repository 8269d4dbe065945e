"""After training: export the best checkpoint to GGUF, evaluate, sample, write fixtures and card.

Everything here reads the shipped GGUF back and evaluates the model rebuilt from it, so the
numbers describe the file users get (F16 weights), not only the float32 checkpoint.
"""

import argparse
import json
import math
import os
import shutil

import numpy as np
import torch

import export_gguf
import fixtures
import gguf
import model_card
import plot_loss
import tokenizer
from sample import DEFAULTS, generate, longest_repeat
from train import evaluate, load_model

SAMPLE_PROMPTS = [
    "It was a cold morning in November when",
    "\"I cannot think what you mean,\" said Elizabeth.",
    "The ship had been three weeks at sea, and the captain",
    "Mrs. Dashwood and her daughters walked slowly towards the village,",
    "Chapter the first. In which the heroine arrives at Bath.",
]


def valid_by_source(work, sp):
    """{source: token ids} of the validation chapters, tokenized as valid.npy is (each chapter
    then EOS), grouped by the author part of their corpus.json id ("austen/emma#10")."""
    ids = json.load(open(os.path.join(work, "corpus.json")))["valid_chapters"]
    chapters = tokenizer.read_chapters(os.path.join(work, "data", "valid.txt"))
    if len(ids) != len(chapters):
        raise SystemExit(f"corpus.json lists {len(ids)} validation chapters, valid.txt has "
                         f"{len(chapters)}: rerun prepare.py")
    groups = {}
    for cid, text in zip(ids, chapters):
        groups.setdefault(cid.split("/")[0], []).extend(sp.encode(text) + [sp.eos_id()])
    return {k: np.asarray(v, dtype=np.uint16) for k, v in groups.items()}


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--model-out", required=True, help="path of the .gguf to write")
    ap.add_argument("--fixtures-out", help="tests/fixtures/default-model (omit to skip)")
    ap.add_argument("--card-out", help="folder for MODEL_CARD.md + loss PNG (omit to skip)")
    ap.add_argument("--sample-tokens", type=int, default=140)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--notes-file", help="a paragraph for the card's evaluation section")
    ap.add_argument("--checkpoint", help="the checkpoint to ship (default: WORK/best.pt)")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)

    best_path = args.checkpoint or os.path.join(args.work, "best.pt")
    ckpt_model, ck = load_model(best_path)
    sp = tokenizer.load(os.path.join(args.work, "tokenizer.model"))
    os.makedirs(os.path.dirname(os.path.abspath(args.model_out)), exist_ok=True)
    export_gguf.export(ckpt_model, sp, args.model_out,
                       description="Fabulist's default fiction model; trained on public-domain "
                                   "fiction (Jane Austen, Herman Melville and more); see MODEL_CARD.md")
    model, reader = export_gguf.model_from_gguf(args.model_out)
    sha = fixtures.sha256(args.model_out)
    with open(args.model_out + ".sha256", "w") as f:
        f.write(f"{sha}  {os.path.basename(args.model_out)}\n")

    valid = np.load(os.path.join(args.work, "valid.npy"))
    ctx = model.cfg.context_length
    # The float32 evaluation of the shipped weights is the number that counts; the checkpoint's
    # own (bf16-autocast) validation loss comes from the training log.
    val_ckpt = ck["best_val"]
    val_gguf, n_tok = evaluate(model, valid, ctx)
    print(f"validation: training-time (bf16) ppl {math.exp(val_ckpt):.3f}, "
          f"GGUF (F16 weights, fp32 math) ppl {math.exp(val_gguf):.3f} over {n_tok} tokens")

    # The same evaluation on each source's validation chapters alone (Austen, Melville): the
    # two differ a lot, and the mix of the two sets the overall figure.
    by_source = {}
    for source, ids in valid_by_source(args.work, sp).items():
        loss, n = evaluate(model, ids, ctx)
        by_source[source] = {"ppl": math.exp(loss), "loss": loss, "scored_tokens": n}
        print(f"validation, {source} only: ppl {math.exp(loss):.3f} over {n} tokens")

    samples = []
    for i, p in enumerate(SAMPLE_PROMPTS):
        ids = [sp.bos_id()] + sp.encode(p)
        out = generate(model, ids, args.sample_tokens, seed=1000 + i, **DEFAULTS)
        # Decode prompt+continuation together so the continuation keeps its leading space.
        text = sp.decode(ids[1:] + out)[len(sp.decode(ids[1:])):]
        samples.append({"prompt": p, "seed": 1000 + i, "text": text,
                        "n_tokens": len(out),
                        "repeated_8grams_first_128": longest_repeat(out[:128], 8)})
        print(f"--- sample {i}: {p}{text}")

    log_path = os.path.join(args.work, "train_log.jsonl")
    recs = [json.loads(line) for line in open(log_path) if line.strip()]
    corpus = json.load(open(os.path.join(args.work, "corpus.json")))
    total, active = ckpt_model.param_counts()
    results = {
        "model_file": os.path.basename(args.model_out), "model_bytes": os.path.getsize(
            args.model_out), "sha256": sha, "model_cfg": ckpt_model.cfg.to_dict(),
        "train_cfg": ck["train_cfg"], "params_total": total, "params_active": active,
        "best_step": ck["step"], "steps_run": recs[-1]["step"] if recs else 0,
        "tokens_seen_best": ck["step"] * ck["train_cfg"]["batch"] * ctx,
        "tokens_seen_total": recs[-1]["tokens"] if recs else 0,
        "train_tokens": corpus["train_tokens"], "valid_tokens": corpus["valid_tokens"],
        "val_loss_checkpoint": val_ckpt, "val_ppl_checkpoint": math.exp(val_ckpt),
        "val_loss_gguf": val_gguf, "val_ppl_gguf": math.exp(val_gguf), "val_scored_tokens": n_tok,
        "val_by_source": by_source,
        "train_wall_s": recs[-1]["elapsed"] if recs else 0,
        "samples": samples, "sampler": DEFAULTS, "corpus": corpus,
        "gguf_kv_count": len(reader.kv), "gguf_tensor_count": len(reader.tensors),
        "torch_version": torch.__version__,
    }
    with open(os.path.join(args.work, "results.json"), "w") as f:
        json.dump(results, f, indent=1)

    if args.fixtures_out:
        fixtures.write_all(model, sp, os.path.join(args.work, "tokenizer.model"),
                           os.path.join(args.work, "data", "valid.txt"), args.fixtures_out,
                           args.model_out)
    if args.card_out:
        png = os.path.join(args.card_out, "fabulist-default-loss.png")
        plot_loss.plot(log_path, png)
        notes = open(args.notes_file, encoding="utf-8").read().strip() if args.notes_file else ""
        model_card.write(results, os.path.join(args.card_out, "MODEL_CARD.md"), notes)
    print(json.dumps({k: results[k] for k in ("val_ppl_checkpoint", "val_ppl_gguf",
                                                "tokens_seen_best", "params_total",
                                                "params_active", "model_bytes")}))


if __name__ == "__main__":
    main()
