"""Checkpoint averaging: the mean of several checkpoints' weights, evaluated like training does.

Averaging the weights saved during a learning-rate decay often lands lower on validation than
any one of them. Usage:
  average.py --work DIR [SNAPSHOT.pt[:WEIGHT]...] [--write OUT.pt]
(no SNAPSHOT: every DIR/snapshots/step*.pt, which train.py keeps from the preset's
snapshot_from on; a WEIGHT, default 1, counts that checkpoint so many times, so an input that is
itself an average of n snapshots can be given weight n)
prints each input's and the average's validation perplexity; --write saves the average as a
checkpoint finalize.py can export (its train_cfg from DIR/last.pt, its step the last input's).
"""

import argparse
import json
import math
import os
import re

import numpy as np
import torch

from model import ModelConfig, MoeLlama
from train import evaluate, save, torch_load


def split_weight(arg):
    """'path.pt:3' -> ('path.pt', 3.0); 'path.pt' -> ('path.pt', 1.0)."""
    path, sep, tail = arg.rpartition(":")
    if sep:
        try:
            weight = float(tail)
        except ValueError:
            return arg, 1.0
        if not weight > 0:
            raise SystemExit(f"{arg}: a checkpoint's weight must be positive")
        return path, weight
    return arg, 1.0


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("snapshots", nargs="*",
                    help="checkpoints to average (default: every DIR/snapshots/step*.pt)")
    ap.add_argument("--write", help="save the average here (a checkpoint like best.pt)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-eval-inputs", action="store_true")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    if not args.snapshots:
        folder = os.path.join(args.work, "snapshots")
        names = [n for n in os.listdir(folder) if re.fullmatch(r"step\d+\.pt", n)] \
            if os.path.isdir(folder) else []
        if not names:
            raise SystemExit(f"no snapshots in {folder}: the preset's snapshot_from saves them")
        names.sort(key=lambda n: int(n[4:-3]))
        args.snapshots = [os.path.join(folder, n) for n in names]
    valid = np.load(os.path.join(args.work, "valid.npy"))
    paths, weights = zip(*(split_weight(a) for a in args.snapshots))
    args.snapshots = list(paths)
    cks = [torch_load(p) for p in args.snapshots]
    cfgs = {json.dumps(c["model_cfg"], sort_keys=True) for c in cks}
    if len(cfgs) != 1:
        raise SystemExit("the snapshots are of different model shapes")
    mcfg = ModelConfig.from_dict(cks[0]["model_cfg"])
    model = MoeLlama(mcfg)
    ctx = mcfg.context_length
    results = {}
    if not args.no_eval_inputs:
        for p, c in zip(args.snapshots, cks):
            model.load_state_dict(c["model"])
            vl, _ = evaluate(model, valid, ctx, bf16=True)
            results[os.path.basename(p)] = vl
            print(f"{os.path.basename(p)} (step {c['step']}): val ppl {math.exp(vl):.3f}",
                  flush=True)
    total = sum(weights)
    avg = {k: sum(w * c["model"][k].float() for w, c in zip(weights, cks)) / total
           for k in cks[0]["model"]}
    avg = {k: v.to(cks[0]["model"][k].dtype) for k, v in avg.items()}
    model.load_state_dict(avg)
    vl, _ = evaluate(model, valid, ctx, bf16=True)
    shown = ", ".join(f"{os.path.basename(p)}x{w:g}" for p, w in zip(args.snapshots, weights))
    print(f"average of {len(cks)} ({shown}): val ppl {math.exp(vl):.3f}", flush=True)
    if args.write:
        last = torch_load(os.path.join(args.work, "last.pt"))
        cfg = dict(last["train_cfg"])
        # An input that is itself an average is recorded with the steps it averaged.
        parts = []
        for c, w in zip(cks, weights):
            inner = (c.get("train_cfg") or {}).get("averaged_steps")
            parts.append({"steps": inner, "weight": w} if inner else
                         {"step": c["step"], "weight": w})
        cfg["averaged_from"] = parts
        cfg["averaged_steps"] = sorted({s for p in parts
                                        for s in p.get("steps", [p.get("step")])})
        save(args.write, model, None, max(c["step"] for c in cks), vl, cfg)
        print(f"wrote {args.write}")


if __name__ == "__main__":
    main()
